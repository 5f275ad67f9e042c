/**
 * Reads a zip archive (the function's code package) with node:zlib only: the end-of-central-directory record,
 * the central directory, each local header, stored (0) and deflated (8) entries, CRC-32 checked.
 * Pure: bytes in, entries out, or a ZipError saying what is wrong. No ZIP64, no encryption (SCF packages
 * made by any zip tool for a small bundle need neither).
 */
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive, `/`-separated, as stored. */
  name: string;
  /** True for a directory entry (name ends with `/`). */
  directory: boolean;
  data: Buffer;
}

export class ZipError extends Error {
  override name = 'ZipError';
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MIN = 22;
/** Unpacked size limit of a code package (SCF: 500 MB unzipped); the local SCF is stricter. */
export const MAX_UNZIPPED_BYTES = 200 * 1024 * 1024;

function findEndOfCentralDirectory(zip: Buffer): number {
  const earliest = Math.max(0, zip.length - EOCD_MIN - 0xffff);
  for (let at = zip.length - EOCD_MIN; at >= earliest; at -= 1) {
    if (zip.readUInt32LE(at) === EOCD_SIGNATURE) return at;
  }
  throw new ZipError('no end-of-central-directory record (not a zip file)');
}

/** A safe entry name: relative, no `..`, no backslash, no NUL. */
function checkName(name: string): void {
  if (name === '' || name.startsWith('/') || name.includes('\\') || name.includes('\0') || /^[A-Za-z]:/.test(name)) {
    throw new ZipError(`unsafe entry name ${JSON.stringify(name)}`);
  }
  if (name.split('/').some((part) => part === '..')) throw new ZipError(`unsafe entry name ${JSON.stringify(name)}`);
}

export function readZip(zip: Buffer): ZipEntry[] {
  if (zip.length < EOCD_MIN) throw new ZipError(`too short to be a zip file (${String(zip.length)} bytes)`);
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  const directorySize = zip.readUInt32LE(eocd + 12);
  const directoryOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw new ZipError('ZIP64 archives are not supported');
  if (directoryOffset + directorySize > eocd) throw new ZipError('central directory lies outside the file');
  const entries: ZipEntry[] = [];
  let total = 0;
  let at = directoryOffset;
  for (let index = 0; index < count; index += 1) {
    if (at + 46 > eocd || zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new ZipError(`central directory entry ${String(index)} is damaged`);
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;
    checkName(name);
    if ((flags & 0x1) !== 0) throw new ZipError(`${name}: encrypted entries are not supported`);
    if (localOffset + 30 > zip.length || zip.readUInt32LE(localOffset) !== LOCAL_SIGNATURE) {
      throw new ZipError(`${name}: local header is missing`);
    }
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    if (dataStart + compressedSize > zip.length) throw new ZipError(`${name}: data runs past the end of the file`);
    total += size;
    if (total > MAX_UNZIPPED_BYTES) throw new ZipError('the unpacked code exceeds the size limit');
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) });
      } catch {
        throw new ZipError(`${name}: deflated data is damaged`);
      }
    } else throw new ZipError(`${name}: compression method ${String(method)} is not supported`);
    if (data.length !== size) throw new ZipError(`${name}: size ${String(data.length)} differs from the recorded ${String(size)}`);
    if (crc32(data) !== crc) throw new ZipError(`${name}: CRC-32 mismatch`);
    entries.push({ name, directory: name.endsWith('/'), data });
  }
  return entries;
}
