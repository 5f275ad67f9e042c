/** Helpers shared by the reliability and fault tests (issue 8). */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { TroubleReport } from '../../lib/report';

/** A valid report no other test sends (its TroubleMsg carries `label` and a UUID), so no store replays another's. */
export function distinctReport(label: string, overrides: Partial<TroubleReport> = {}): TroubleReport {
  return {
    SdkAppId: '1400188366',
    RoomId: '1587879309',
    TeacherUserId: 'teacher_lin',
    StudentUserId: 'student_wang',
    TroubleUserId: 'student_wang',
    TroubleType: 1,
    TroubleTime: 1764150000,
    TroubleMsg: `${label} ${randomUUID()}`,
    ...overrides,
  };
}

/** A loopback URL with nothing listening on it (connections are refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${address.port}`;
}
