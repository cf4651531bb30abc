import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import request from 'supertest';
import { createTestApp } from '../testing/test-app';
import { useTestDatabase } from '../testing/test-database';
import { toAppError } from './error-handler';

/*
 * Every error the server can send carries a Simplified Chinese `message` for the resident or staff
 * member who reads it (codes and field paths stay in `code` and `details`). The static walk finds
 * every error the code defines: `new AppError(...)`, the AppError helpers and the constructors of
 * its subclasses, with the message resolved through constants, conditionals, templates and message
 * tables. The HTTP walk checks what the error middleware builds itself.
 */

const SERVER_SOURCE = path.resolve(__dirname, '..');
const CHINESE = /[\u4e00-\u9fff]/;
const HELPERS = new Set(['badRequest', 'unauthenticated', 'forbidden', 'notFound', 'conflict']);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

interface Site {
  where: string;
  texts: string[];
  /** Set when the message could not be followed to text written in the code. */
  unresolved?: string;
}

/** The static text of a message expression: one entry per way it can come out. */
function textsOf(node: ts.Expression, file: ts.SourceFile, seen = new Set<ts.Node>()): string[] | string {
  if (seen.has(node)) return [];
  seen.add(node);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isTemplateExpression(node)) return [node.head.text + node.templateSpans.map((span) => `{}${span.literal.text}`).join('')];
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node)) return textsOf(node.expression, file, seen);
  if (ts.isConditionalExpression(node)) return merge([textsOf(node.whenTrue, file, seen), textsOf(node.whenFalse, file, seen)]);
  if (ts.isBinaryExpression(node) && (node.operatorToken.kind === ts.SyntaxKind.BarBarToken || node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken)) {
    return merge([textsOf(node.left, file, seen), textsOf(node.right, file, seen)].filter((texts) => typeof texts !== 'string' || ts.isStringLiteral(node.right)));
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const parts = [node.left, node.right].map((side) => textsOf(side, file, seen)).filter((texts): texts is string[] => typeof texts !== 'string');
    return parts.length === 0 ? 'a sum of values' : [parts.map((texts) => texts.join('')).join('{}')];
  }
  if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
    const found = constantOf(node.expression.text, file);
    const tableFile = found?.file ?? file;
    const table = found?.initializer;
    const object = table && (ts.isAsExpression(table) ? table.expression : table);
    const property = object && ts.isObjectLiteralExpression(object)
      ? object.properties.find((entry): entry is ts.PropertyAssignment => ts.isPropertyAssignment(entry) && entry.name.getText(tableFile) === node.name.text)
      : undefined;
    if (property) return textsOf(property.initializer, tableFile, seen);
    const tables = MESSAGE_TABLES[`${path.relative(SERVER_SOURCE, file.fileName)}:${node.getText(file)}`];
    if (tables) return merge(tables.map((table) => messagePropertiesOf(path.resolve(SERVER_SOURCE, table))));
  }
  if (ts.isCallExpression(node)) return textsOf(node.expression, file, seen);
  if (ts.isElementAccessExpression(node)) return textsOf(node.expression, file, seen);
  if (ts.isArrowFunction(node) && !ts.isBlock(node.body)) return textsOf(node.body, file, seen);
  if (ts.isObjectLiteralExpression(node)) {
    return merge(node.properties.map((property) => (ts.isPropertyAssignment(property) ? textsOf(property.initializer, file, seen) : `property ${property.getText(file)}`)));
  }
  if (ts.isIdentifier(node)) {
    const found = constantOf(node.text, file);
    return found ? textsOf(found.initializer, found.file, seen) : `the value ${node.text}`;
  }
  return `the expression ${node.getText(file).slice(0, 60)}`;
}

/**
 * Messages that come out of a table of outcomes rather than a literal at the error site: the site,
 * and the files whose `message:` properties are every message it can pass on.
 */
const MESSAGE_TABLES: Record<string, string[]> = {
  'components/orders/orders.router.ts:verdict.message': ['../../shared/src/rules/order-signature.ts'],
  'wechat/wechat-client.ts:meaning.message': ['wechat/wechat-client.ts'],
};

function messagePropertiesOf(fileName: string): string[] | string {
  const file = ts.createSourceFile(fileName, readFileSync(fileName, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: (string[] | string)[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && node.name.getText(file) === 'message') found.push(textsOf(node.initializer, file));
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found.length > 0 ? merge(found) : `no message table in ${fileName}`;
}

function merge(results: (string[] | string)[]): string[] | string {
  const unresolved = results.find((result) => typeof result === 'string');
  return unresolved !== undefined ? unresolved : (results as string[][]).flat();
}

/** A constant declared in this file, or imported by name from a relative module (e.g. a table of messages beside the service). */
function constantOf(name: string, file: ts.SourceFile): { initializer: ts.Expression; file: ts.SourceFile } | undefined {
  const local = findConstant(name, file);
  if (local) return { initializer: local, file };
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier) || !statement.moduleSpecifier.text.startsWith('.')) continue;
    const bindings = statement.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings) || !bindings.elements.some((element) => element.name.text === name)) continue;
    const target = path.resolve(path.dirname(file.fileName), `${statement.moduleSpecifier.text}.ts`);
    const imported = ts.createSourceFile(target, readFileSync(target, 'utf8'), ts.ScriptTarget.ES2022, true);
    const initializer = findConstant(name, imported);
    return initializer ? { initializer, file: imported } : undefined;
  }
  return undefined;
}

function findConstant(name: string, file: ts.SourceFile): ts.Expression | undefined {
  let found: ts.Expression | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === name && node.initializer) found = node.initializer;
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Error classes: AppError and every class that extends it, with the argument index of the message. */
function errorSites(files: string[]): Site[] {
  const sites: Site[] = [];
  for (const fileName of files) {
    const file = ts.createSourceFile(fileName, readFileSync(fileName, 'utf8'), ts.ScriptTarget.ES2022, true);
    const where = (node: ts.Node) => `${path.relative(SERVER_SOURCE, fileName)}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
    const record = (node: ts.Node, message: ts.Expression | undefined, context: string) => {
      if (!message) return;
      const texts = textsOf(message, file);
      sites.push(typeof texts === 'string' ? { where: `${where(node)} (${context})`, texts: [], unresolved: texts } : { where: `${where(node)} (${context})`, texts });
    };
    const visit = (node: ts.Node): void => {
      // The helpers inside AppError pass their callers' messages on; the callers are checked.
      const insideAppError = (() => {
        for (let parent = node.parent; parent; parent = parent.parent) if (ts.isClassDeclaration(parent)) return parent.name?.text === 'AppError';
        return false;
      })();
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'AppError' && !insideAppError) record(node, node.arguments?.[1], 'new AppError');
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression) && node.expression.expression.text === 'AppError' && HELPERS.has(node.expression.name.text)) {
        record(node, node.arguments[0], `AppError.${node.expression.name.text}`);
      }
      // Subclasses pass their message to super(code, message, status).
      if (ts.isClassDeclaration(node) && node.heritageClauses?.some((clause) => clause.types.some((type) => type.expression.getText(file) === 'AppError'))) {
        const constructor = node.members.find(ts.isConstructorDeclaration);
        constructor?.body?.forEachChild(function find(child): void {
          if (ts.isCallExpression(child) && child.expression.kind === ts.SyntaxKind.SuperKeyword) {
            const message = child.arguments[1];
            const parameter = message && ts.isIdentifier(message) ? constructor.parameters.find((p) => p.name.getText(file) === message.text) : undefined;
            // A subclass that takes its message as an argument is checked where it is constructed.
            if (!parameter) record(child, message, `super of ${node.name?.text}`);
          }
          child.forEachChild(find);
        });
        if (constructor?.parameters.some((p) => p.name.getText(file) === 'message')) {
          const className = node.name!.text;
          for (const other of files) {
            const otherFile = ts.createSourceFile(other, readFileSync(other, 'utf8'), ts.ScriptTarget.ES2022, true);
            otherFile.forEachChild(function find(child): void {
              if (ts.isNewExpression(child) && ts.isIdentifier(child.expression) && child.expression.text === className) {
                const index = constructor.parameters.findIndex((p) => p.name.getText(file) === 'message');
                const texts = child.arguments?.[index] ? textsOf(child.arguments[index], otherFile) : [];
                const at = `${path.relative(SERVER_SOURCE, other)}:${otherFile.getLineAndCharacterOfPosition(child.getStart(otherFile)).line + 1} (new ${className})`;
                sites.push(typeof texts === 'string' ? { where: at, texts: [], unresolved: texts } : { where: at, texts });
              }
              child.forEachChild(find);
            });
          }
        }
      }
      // The helpers' default messages.
      if (ts.isMethodDeclaration(node) && ts.isClassDeclaration(node.parent) && node.parent.name?.text === 'AppError') {
        for (const parameter of node.parameters) if (parameter.initializer) record(parameter, parameter.initializer, `default of AppError.${node.name.getText(file)}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return sites;
}

describe('every error message the server defines', () => {
  const sites = errorSites(sourceFiles(SERVER_SOURCE));

  it('is found: the walk sees the error sites of every component', () => {
    expect(sites.length).toBeGreaterThan(150);
    expect(sites.some((site) => site.where.startsWith('lib/error-handler.ts'))).toBe(true);
    expect(sites.some((site) => site.where.startsWith('components/rewards/'))).toBe(true);
  });

  it('is written in Chinese wherever it can come from', () => {
    const unresolved = sites.filter((site) => site.unresolved).map((site) => `${site.where}: message from ${site.unresolved}`);
    const english = sites.flatMap((site) => site.texts.filter((text) => !CHINESE.test(text)).map((text) => `${site.where}: "${text}"`));
    expect([...unresolved, ...english]).toEqual([]);
  });
});

describe('errors the error middleware builds itself', () => {
  useTestDatabase();
  const app = createTestApp({ env: { BODY_LIMIT: '1kb', RATE_LIMIT_MAX: '100000' } });
  const chinese = (response: request.Response) => {
    expect(response.body.error.message).toMatch(CHINESE);
    return response.body.error;
  };

  it('answer in Chinese for validation, malformed JSON, 401, 403, 404, 405, 413 and 415', async () => {
    const validation = chinese(await request(app).post('/auth/wechat-login').send({ code: '' }));
    expect(validation).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'body.code' }] });
    expect(chinese(await request(app).post('/auth/wechat-login').set('content-type', 'application/json').send('{"code":')).code).toBe('MALFORMED_JSON');
    expect(chinese(await request(app).get('/staff/me')).code).toBe('UNAUTHENTICATED');
    expect(chinese(await request(app).get('/staff/me').set('authorization', `Bearer ${'x'.repeat(40)}`)).code).toBe('SESSION_EXPIRED');
    const resident = (await request(app).post('/auth/wechat-login').send({ code: 'dev:messages-resident' })).body;
    expect(chinese(await request(app).get('/staff/me').set('authorization', `Bearer ${resident.token}`)).code).toBe('FORBIDDEN');
    expect(chinese(await request(app).get('/no-such-page')).code).toBe('NOT_FOUND');
    expect(chinese(await request(app).get('/stores/000000000000000000000000')).code).toBe('NOT_FOUND');
    expect(chinese(await request(app).trace('/stores')).code).toBe('METHOD_NOT_ALLOWED');
    expect(chinese(await request(app).post('/auth/wechat-login').send({ code: 'x'.repeat(2000) })).code).toBe('PAYLOAD_TOO_LARGE');
    expect(chinese(await request(app).post('/auth/wechat-login').set('content-type', 'text/plain').send('hello')).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(chinese(await request(app).post('/auth/wechat-login').set('content-type', 'application/json; charset=latin-9000').send('{}')).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 429 and 500 in Chinese', async () => {
    const limited = createTestApp({ env: { RATE_LIMIT_MAX: '1', RATE_LIMIT_WINDOW_SECONDS: '3600' } });
    await request(limited).get('/no-such-page');
    expect(chinese(await request(limited).get('/no-such-page')).code).toBe('RATE_LIMITED');
    expect(toAppError(new Error('boom')).message).toMatch(CHINESE);
    expect(toAppError({ code: 11000 }).message).toMatch(CHINESE);
  });
});
