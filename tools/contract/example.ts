// The registry from TypeScript, as the README shows it: the types `make sdk` writes to
// clients/typescript/registry.ts, with openapi-fetch. `make sdk` type-checks this file (tsc), so
// the README's example keeps up with the contract.
import createClient from "openapi-fetch";
import type { Problem, ProjectOut, ProjectUpdate, paths } from "../../clients/typescript/registry";

export type Registry = ReturnType<typeof createClient<paths>>;

export function registryClient(baseUrl: string, token: string): Registry {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
}

// A problem (RFC 9457) in one line per broken rule: a 422 names each field and its rule.
export function describe(problem: Problem): string {
  const broken = (problem.errors ?? []).map((error) => `${error.field}: ${error.rule}`);
  return [`${problem.status} ${problem.title}`, ...broken].join("\n");
}

// Every project of a fiscal year, page by page: `next` is the URL of the following page.
export async function projectsOf(registry: Registry, fiscalYear: string): Promise<ProjectOut[]> {
  const projects: ProjectOut[] = [];
  let cursor: string | undefined;
  do {
    const query = { fiscal_year: fiscalYear, limit: 200, ...(cursor ? { cursor } : {}) };
    const { data, error } = await registry.GET("/v1/projects", { params: { query } });
    if (error) throw new Error(describe(error));
    projects.push(...data.items);
    cursor = data.next ? (new URL(data.next).searchParams.get("cursor") ?? undefined) : undefined;
  } while (cursor);
  return projects;
}

// A change sends the ETag of what was read (If-Match): a 412 means someone changed it since.
export async function retitle(registry: Registry, id: string, title: string): Promise<ProjectOut> {
  const path = { project_id: id };
  const read = await registry.GET("/v1/projects/{project_id}", { params: { path } });
  if (read.error) throw new Error(describe(read.error));
  const etag = read.response.headers.get("ETag") ?? "";
  const body: ProjectUpdate = { title };
  const changed = await registry.PATCH("/v1/projects/{project_id}", {
    params: { path, header: { "if-match": etag } },
    body,
  });
  if (changed.error) throw new Error(describe(changed.error));
  return changed.data;
}
