import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const repository = path.join(__dirname, '..', '..');
const relative = (file: string) => path.relative(repository, file).split(path.sep).join('/');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** The modules a file imports (and re-exports from), each marked whether only types are imported. */
function imports(file: string, code = readFileSync(file, 'utf8')): { specifier: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, false);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      found.push({ specifier: statement.moduleSpecifier.text, typeOnly: statement.isTypeOnly });
    }
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const clause = statement.importClause;
    const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : null;
    const typeOnly = Boolean(clause?.isTypeOnly || (clause && !clause.name && named !== null && named.length > 0 && named.every((element) => element.isTypeOnly)));
    found.push({ specifier: statement.moduleSpecifier.text, typeOnly });
  }
  return found;
}

/** The modules a file imports for its run time (`import type` and type-only names left out). */
function runtimeImports(file: string, code?: string): string[] {
  return imports(file, code).filter((entry) => !entry.typeOnly).map((entry) => entry.specifier);
}

/** The repository file an import points at, or null for a package outside the repository. */
function resolveImport(from: string, specifier: string): string | null {
  const shared = /^@o2o\/shared\/(.+)$/.exec(specifier);
  const base = shared ? path.join(repository, 'shared/src', shared[1]) : specifier.startsWith('.') ? path.resolve(path.dirname(from), specifier) : null;
  if (!base) return null;
  return [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => existsSync(candidate)) ?? null;
}

/** Every cycle of the import graph (type imports included), as the files of each strongly connected component (Tarjan). */
function importCycles(files: string[], edgesOf = (file: string) => imports(file).map((entry) => resolveImport(file, entry.specifier)).filter((target): target is string => target !== null)): string[][] {
  const edges = new Map(files.map((file) => [file, edgesOf(file)]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const target of edges.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(relative(member));
    } while (member !== file);
    if (component.length > 1 || (edges.get(file) ?? []).includes(file)) cycles.push(component.sort());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return cycles;
}

describe('architecture', () => {
  it('has no import cycle in server/src or shared/src (type imports included)', () => {
    const files = [...sourceFiles(path.join(repository, 'server/src')), ...sourceFiles(path.join(repository, 'shared/src'))].filter((file) => !file.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(150);
    expect(importCycles(files)).toEqual([]);
  });

  it('reads type imports and re-exports as edges, and finds every cycle of a graph', () => {
    const directory = path.join(repository, 'server/src/lib');
    expect(resolveImport(path.join(directory, 'x.ts'), './logger')).toBe(path.join(directory, 'logger.ts'));
    expect(resolveImport(path.join(directory, 'x.ts'), '@o2o/shared/rules/geo')).toBe(path.join(repository, 'shared/src/rules/geo.ts'));
    expect(resolveImport(path.join(directory, 'x.ts'), 'mongoose')).toBeNull();
    expect(imports('a.ts', "import type { B } from './b';")).toEqual([{ specifier: './b', typeOnly: true }]);
    expect(imports('b.ts', "export { A } from './a';")).toEqual([{ specifier: './a', typeOnly: false }]);
    const file = (name: string) => path.join(repository, name);
    const graph: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a'], d: ['a'], e: ['e'], f: [] };
    const cycles = importCycles(Object.keys(graph).map(file), (from) => graph[path.basename(from)].map(file));
    expect(cycles.sort()).toEqual([['a', 'b', 'c'], ['e']]);
  });

  it('has no router that imports a model: routes reach data through services and repositories', () => {
    const routers = sourceFiles(path.join(repository, 'server/src')).filter((file) => file.endsWith('.router.ts'));
    expect(routers.length).toBeGreaterThan(15);
    const offences = routers.flatMap((file) => runtimeImports(file).filter((specifier) => /\.model$/.test(specifier)).map((specifier) => `${relative(file)} imports ${specifier}`));
    expect(offences).toEqual([]);
  });

  it('counts a value import of a model and not a type-only one', () => {
    const imports = (code: string) => runtimeImports('probe.router.ts', code);
    expect(imports("import { ResidentModel } from './resident.model';")).toEqual(['./resident.model']);
    expect(imports("import { ResidentModel, type ResidentRecord } from './resident.model';")).toEqual(['./resident.model']);
    expect(imports("import type { ResidentRecord } from './resident.model';")).toEqual([]);
    expect(imports("import { type ResidentRecord } from './resident.model';")).toEqual([]);
  });
});
