/**
 * The port to CLS's cloud API (cls.tencentcloudapi.com, 2020-10-16) that `npm run logs` needs: SearchLog on the
 * function's log topic, on tencentcloud-sdk-nodejs's typed CLS client with an explicit agent. CLS_ENDPOINT overrides
 * the endpoint as SCF_ENDPOINT does for SCF (checked by the same rules); the keys are the deploying identity's.
 */
import http from 'node:http';
import https from 'node:https';
import { Client } from 'tencentcloud-sdk-nodejs/tencentcloud/services/cls/v20201016/cls_client';
import { ConfigurationError, deployerCredentials, ScfApiError, scfTarget } from './scf-api';
import type { Env } from '../../lib/config';

export const CLS_HOST = 'cls.tencentcloudapi.com';

export interface LogEntry {
  /** Unix milliseconds. */
  readonly time: number;
  /** The line's key:value fields as SCF delivers them (SCF_Message, SCF_RequestId, SCF_Type, …). */
  readonly fields: Readonly<Record<string, string>>;
  /** Identifies the line (for de-duplicating while following). */
  readonly id: string;
}

export interface SearchQuery {
  readonly topicId: string;
  readonly from: number;
  readonly to: number;
  readonly query: string;
}

function target(env: Env): { protocol: 'http://' | 'https://'; host: string } {
  const raw = env.CLS_ENDPOINT?.trim();
  if (!raw) return { protocol: 'https://', host: CLS_HOST };
  try {
    return scfTarget({ SCF_ENDPOINT: raw });
  } catch (error) {
    throw new ConfigurationError(error instanceof Error ? error.message.replaceAll('SCF_ENDPOINT', 'CLS_ENDPOINT').replaceAll('scf.', 'cls.') : String(error));
  }
}

function fieldsOf(json: string | undefined): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(json ?? '{}');
    if (typeof parsed !== 'object' || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  } catch {
    return { SCF_Message: json ?? '' };
  }
}

export class SdkClsApi {
  private readonly client: Client;

  constructor(region: string, env: Env) {
    const t = target(env);
    const agent = t.protocol === 'https://' ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false });
    this.client = new Client({
      credential: deployerCredentials(env),
      region,
      profile: { language: 'en-US', httpProfile: { protocol: t.protocol, endpoint: t.host, reqMethod: 'POST', reqTimeout: 60, agent } },
    });
  }

  /** Every matching line, oldest first (SearchLog pages followed through Context, at most `max`). */
  async search(q: SearchQuery, max = 10_000): Promise<LogEntry[]> {
    const out: LogEntry[] = [];
    let context: string | undefined;
    for (;;) {
      let r;
      try {
        r = await this.client.SearchLog({
          TopicId: q.topicId,
          From: q.from,
          To: q.to,
          QueryString: q.query,
          QuerySyntax: 1,
          Sort: 'asc',
          Limit: 1000,
          ...(context ? { Context: context } : {}),
        });
      } catch (error) {
        const e = error as { code?: unknown; message?: unknown };
        throw new ScfApiError(
          'SearchLog',
          typeof e.code === 'string' && e.code ? e.code : undefined,
          typeof e.message === 'string' ? e.message : String(error),
        );
      }
      for (const l of r.Results ?? []) {
        out.push({ time: l.Time ?? 0, fields: fieldsOf(l.LogJson), id: `${String(l.Time)}/${l.PkgId ?? ''}/${l.PkgLogId ?? ''}` });
      }
      if (r.ListOver !== false || !r.Context || out.length >= max) return out;
      context = r.Context;
    }
  }
}
