/**
 * The local CLS (cls.tencentcloudapi.com 2020-10-16): each region has one log topic that the local SCF writes every
 * invocation's lines to, in SCF's documented key:value format (SCF_FunctionName, SCF_Namespace, SCF_RequestId,
 * SCF_Qualifier, SCF_Alias, SCF_Message, SCF_Type Custom|Platform, SCF_LogTime, …), and `SearchLog` reads them.
 * Its query language is a deliberate subset: `*` or empty, or `KEY:value` / `KEY:"value"` terms joined by AND.
 */
import { randomUUID } from 'node:crypto';
import { scfError } from './api-error';
import * as v from './validate';

export const CLS_VERSION = '2020-10-16';
/** Lines kept per topic (the oldest go first). */
export const MAX_LINES = 20_000;
const MAX_LIMIT = 1000;

export interface LogLine {
  readonly time: number;
  readonly fields: Readonly<Record<string, string>>;
  readonly pkgId: string;
  readonly pkgLogId: string;
}

export interface Topic {
  readonly logsetId: string;
  readonly topicId: string;
  readonly name: string;
  readonly lines: LogLine[];
}

const KNOWN = [
  'From',
  'To',
  'QueryString',
  'QuerySyntax',
  'TopicId',
  'Topics',
  'Sort',
  'Limit',
  'Offset',
  'Context',
  'SamplingRate',
  'UseNewAnalysis',
  'HighLight',
  'Query',
  'SyntaxRule',
];

type Term = readonly [key: string, value: string];

/** `*`, empty, or `KEY:value` terms joined by AND (CQL's key-value search, the part the local CLS supports). */
export function parseQuery(text: string): Term[] {
  const q = text.trim();
  if (q === '' || q === '*') return [];
  return q.split(/\s+AND\s+/).map((part) => {
    const m = /^([A-Za-z_][A-Za-z0-9_.]*):(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))$/.exec(part.trim());
    if (m === null) {
      throw scfError(
        'InvalidParameter.QueryString',
        `QueryString \`${q.slice(0, 120)}\` is not supported by the local CLS: use *, or KEY:"value" terms joined by AND.`,
      );
    }
    return [m[1]!, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!] as const;
  });
}

export class LocalCls {
  private readonly topics = new Map<string, Topic>();

  /** The region's SCF log topic (created on first use, as SCF creates its default one). */
  topicFor(region: string): Topic {
    let t = [...this.topics.values()].find((x) => x.name === `SCF_LogTopic_${region}`);
    if (t === undefined) {
      t = { logsetId: randomUUID(), topicId: randomUUID(), name: `SCF_LogTopic_${region}`, lines: [] };
      this.topics.set(t.topicId, t);
    }
    return t;
  }

  write(topicId: string, lines: readonly Omit<LogLine, 'pkgId' | 'pkgLogId'>[]): void {
    const t = this.topics.get(topicId);
    if (t === undefined) return;
    const pkgId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
    lines.forEach((line, i) => t.lines.push({ ...line, pkgId, pkgLogId: String(i) }));
    if (t.lines.length > MAX_LINES) t.lines.splice(0, t.lines.length - MAX_LINES);
  }

  call(action: string, params: v.Params): Record<string, unknown> {
    if (action !== 'SearchLog') throw scfError('InvalidAction', `The requested action \`${action}\` does not exist (the local CLS serves SearchLog).`);
    v.onlyKnown(params, KNOWN);
    const from = requiredNumber(params, 'From');
    const to = requiredNumber(params, 'To');
    if (to < from) throw scfError('InvalidParameter', 'To must not be before From (Unix milliseconds).');
    if (params.Topics !== undefined) throw scfError('InvalidParameter', 'Topics (multi-topic search) is not supported by the local CLS: give TopicId.');
    const topicId = v.requiredString(params, 'TopicId');
    const topic = this.topics.get(topicId);
    if (topic === undefined) throw scfError('ResourceNotFound.TopicNotExist', `The log topic \`${topicId}\` does not exist.`);
    const syntax = v.optionalInteger(params, 'QuerySyntax') ?? 1;
    if (syntax !== 0 && syntax !== 1) throw scfError('InvalidParameter', 'QuerySyntax must be 0 (Lucene) or 1 (CQL).');
    const terms = parseQuery(v.optionalString(params, 'QueryString') ?? '');
    const sort = v.oneOf('Sort', v.optionalString(params, 'Sort'), ['asc', 'desc'], 'desc');
    const limit = v.optionalInteger(params, 'Limit') ?? 100;
    if (limit < 1 || limit > MAX_LIMIT) throw scfError('InvalidParameter', `Limit must be from 1 to ${String(MAX_LIMIT)}.`);
    const context = v.optionalString(params, 'Context');
    let offset = v.optionalInteger(params, 'Offset') ?? 0;
    if (context !== undefined && context !== '') {
      offset = Number(Buffer.from(context, 'base64url').toString('utf8'));
      if (!Number.isInteger(offset) || offset < 0) throw scfError('InvalidParameter', 'Context is not one this topic returned.');
    }
    const matched = topic.lines.filter((l) => l.time >= from && l.time < to && terms.every(([k, value]) => l.fields[k] === value));
    if (sort === 'desc') matched.reverse();
    const page = matched.slice(offset, offset + limit);
    const next = offset + page.length;
    return {
      Context: Buffer.from(String(next)).toString('base64url'),
      ListOver: next >= matched.length,
      Analysis: false,
      Results: page.map((l) => ({
        Time: l.time,
        TopicId: topic.topicId,
        TopicName: topic.name,
        Source: '127.0.0.1',
        FileName: '',
        PkgId: l.pkgId,
        PkgLogId: l.pkgLogId,
        HighLights: [],
        LogJson: JSON.stringify(l.fields),
        HostName: 'local-scf',
        RawLog: '',
        IndexStatus: '',
      })),
      ColNames: [],
      AnalysisResults: [],
      AnalysisRecords: [],
      Columns: [],
      SamplingRate: 1,
    };
  }
}

function requiredNumber(params: v.Params, name: string): number {
  const value = params[name];
  if (value === undefined || value === null) throw scfError('MissingParameter', `The request is missing a required parameter \`${name}\`.`);
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw scfError('InvalidParameter', `The type of parameter \`${name}\` is invalid: expected Integer.`);
  return value;
}
