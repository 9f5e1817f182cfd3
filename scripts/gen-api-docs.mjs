#!/usr/bin/env node
/**
 * Generates docs/api.md from the sources of @pkg/core (and the types it exposes from @pkg/broker and
 * @pkg/config), with the TypeScript compiler API. Nothing is imported or run: the files are parsed.
 *
 * What comes from the code:
 *   - every public method of DataApi (data-api.ts) and DatabaseWrapper (database-wrapper.ts), with
 *     its JSDoc, its signature as written, and its section (the `// ---- name ----` comments);
 *   - each method's routing class, from the call it makes (this.write / this.readOne / this.readAll
 *     and the chatId it passes), so a new method cannot be filed under the wrong class;
 *   - argument tables, from the argument interfaces in types.ts (with `extends` merged), and
 *     defaults, from `a.<arg> ?? <literal>` in the operation that serves the method (operations/*.ts);
 *   - the tables each method touches and how (insert / upsert / replace / update / delete), from the
 *     SQL in that operation; a plain INSERT adds the duplicate-key QUERY_FAILED to its errors;
 *   - row types with their columns, enumerations with their values, and the option/stat interfaces.
 * What is written here: the prose around it, and NOTES (behaviour not visible in signatures).
 *
 * Usage: node scripts/gen-api-docs.mjs          writes docs/api.md
 *        node scripts/gen-api-docs.mjs --check  exits 1 if docs/api.md is not up to date
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = 'docs/api.md';
const CORE = 'packages/core/src';
const SOURCES = {
  dataApi: `${CORE}/data-api.ts`,
  wrapper: `${CORE}/database-wrapper.ts`,
  transaction: `${CORE}/transaction.ts`,
  types: `${CORE}/types.ts`,
  router: `${CORE}/router.ts`,
  shardStats: `${CORE}/shard-stats.ts`,
  logging: `${CORE}/logging.ts`,
  configWatcher: `${CORE}/config-watcher.ts`,
  placement: `${CORE}/placement/types.ts`,
  index: `${CORE}/index.ts`,
  broker: 'packages/broker/src/broker.ts',
  sourceClient: 'packages/broker/src/source-client.ts',
  protocol: 'packages/broker/src/protocol.ts',
  latency: 'packages/broker/src/latency-recorder.ts',
  configTypes: 'packages/config/src/types.ts',
  configSqlite: 'packages/config/src/engines/sqlite.ts',
  configPostgres: 'packages/config/src/engines/postgresql.ts',
  errors: 'packages/errors/src/index.ts',
};
const OPERATIONS_DIR = `${CORE}/operations`;

// ---- parsing ----------------------------------------------------------------------------

const files = new Map();
function parse(rel) {
  let sf = files.get(rel);
  if (sf === undefined) {
    const text = readFileSync(path.join(ROOT, rel), 'utf8');
    sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    files.set(rel, sf);
  }
  return sf;
}

function fail(message) {
  console.error(`gen-api-docs: ${message}`);
  process.exit(1);
}

/** Interfaces, type aliases and const declarations by name, over every parsed source file. */
const decls = new Map();
for (const rel of Object.values(SOURCES)) {
  const sf = parse(rel);
  for (const stmt of sf.statements) {
    if (ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt) || ts.isClassDeclaration(stmt)) {
      if (stmt.name && !decls.has(stmt.name.text)) decls.set(stmt.name.text, { node: stmt, sf, rel });
    } else if (ts.isVariableStatement(stmt)) {
      for (const d of stmt.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && !decls.has(d.name.text)) decls.set(d.name.text, { node: d, sf, rel });
      }
    }
  }
}

function decl(name) {
  const d = decls.get(name);
  if (d === undefined) fail(`no declaration named ${name}`);
  return d;
}

const squash = (s) => s.replace(/\s+/g, ' ').trim();
const text = (node) => squash(node.getText());

/**
 * JSDoc text of a node (all blocks, joined), or ''. Read from the raw comment, so words that look like
 * tags (`@pkg/broker`) stay in. A file's header comment is not taken as its first declaration's doc.
 */
function jsDoc(node, { fileHeader = false } = {}) {
  const sf = node.getSourceFile();
  return ts
    .getJSDocCommentsAndTags(node)
    .filter(ts.isJSDoc)
    .filter((d) => fileHeader || sf.text.slice(0, d.getStart(sf)).trim() !== '')
    .map((d) =>
      squash(
        d
          .getText(sf)
          .replace(/^\/\*\*|\*\/$/g, '')
          .split('\n')
          .map((line) => line.replace(/^\s*\* ?/, ''))
          .join(' '),
      ),
    )
    .filter((t) => t !== '')
    .join(' ');
}

/** Members of an interface, inherited ones (extends) first. */
function interfaceMembers(name, seen = new Set()) {
  if (seen.has(name)) return [];
  seen.add(name);
  const { node } = decl(name);
  if (!ts.isInterfaceDeclaration(node)) fail(`${name} is not an interface`);
  const out = [];
  for (const clause of node.heritageClauses ?? []) {
    for (const t of clause.types) out.push(...interfaceMembers(text(t.expression), seen));
  }
  for (const m of node.members) {
    if (!ts.isPropertySignature(m) && !ts.isMethodSignature(m)) continue;
    const memberName = m.name.getText();
    const type = ts.isMethodSignature(m)
      ? `(${m.parameters.map((p) => text(p)).join(', ')}) => ${m.type ? text(m.type) : 'void'}`
      : m.type
        ? text(m.type)
        : 'unknown';
    const entry = {
      name: memberName,
      optional: m.questionToken !== undefined,
      type,
      doc: jsDoc(m),
      method: ts.isMethodSignature(m),
    };
    const i = out.findIndex((o) => o.name === memberName);
    if (i >= 0) out[i] = entry;
    else out.push(entry);
  }
  return out;
}

/** Values of a `[...] as const` array. */
function constValues(name) {
  const { node } = decl(name);
  let init = node.initializer;
  while (init && (ts.isAsExpression(init) || ts.isParenthesizedExpression(init))) init = init.expression;
  if (!init || !ts.isArrayLiteralExpression(init)) fail(`${name} is not an array literal`);
  return init.elements.map((e) => (ts.isStringLiteral(e) ? e.text : text(e)));
}

/** The JSDoc block at the top of a file (attached to its first statement). */
function fileDoc(sf) {
  return sf.statements.length ? jsDoc(sf.statements[0], { fileHeader: true }) : '';
}

function findClass(rel, name) {
  const sf = parse(rel);
  const cls = sf.statements.find((s) => ts.isClassDeclaration(s) && s.name?.text === name);
  if (cls === undefined) fail(`no class ${name} in ${rel}`);
  return cls;
}

const hasModifier = (node, kind) => (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
const isPublic = (m) =>
  !hasModifier(m, ts.SyntaxKind.PrivateKeyword) &&
  !hasModifier(m, ts.SyntaxKind.ProtectedKeyword) &&
  !hasModifier(m, ts.SyntaxKind.AbstractKeyword) &&
  !(m.name && ts.isPrivateIdentifier(m.name));

/** The `// ---- title ----` section comment right before a member, if any. */
function sectionOf(member, sf) {
  const ranges = ts.getLeadingCommentRanges(sf.text, member.pos) ?? [];
  for (const r of ranges) {
    const m = /^\/\/ -{2,} (.+?) -+$/.exec(sf.text.slice(r.pos, r.end).trim());
    if (m) return m[1];
  }
  return undefined;
}

function signature(m) {
  if (ts.isPropertyDeclaration(m)) return text(m).replace(/;$/, '');
  const name = m.name ? m.name.getText() : 'constructor';
  const tps = m.typeParameters ? `<${m.typeParameters.map((t) => text(t)).join(', ')}>` : '';
  const params = m.parameters.map((p) => text(p)).join(', ');
  const ret = m.type ? `: ${text(m.type)}` : '';
  if (ts.isGetAccessorDeclaration(m)) return `get ${name}()${ret}`;
  if (ts.isConstructorDeclaration(m)) return `new DatabaseWrapper(${params})`;
  return `${name}${tps}(${params})${ret}`;
}

// ---- operations: defaults, tables and write style, from the SQL ---------------------------

/** For each operation name: { kind, defaults: Map(arg -> literal), statements: [{verb, table}] }. */
/**
 * The engine plan the operations call for what differs per engine (`BOT_PLANS[e.engine].x(...)`): its
 * statements are read from the SQLite one (the others store the same rows).
 */
const ENGINE_PLANS = 'packages/core/src/engines/sqlite/plans.ts';

/** Every catalog file: the operations, and the engine plan they call. */
function catalogFiles() {
  return [
    ...readdirSync(path.join(ROOT, OPERATIONS_DIR))
      .filter((file) => file.endsWith('.ts'))
      .sort()
      .map((file) => `${OPERATIONS_DIR}/${file}`),
    ENGINE_PLANS,
  ];
}

/** Functions and catalog constants of every catalog file, by name (the files import each other's). */
const catalogFunctions = new Map();
function collectCatalog() {
  const constants = new Map();
  for (const rel of catalogFiles()) {
    for (const s of parse(rel).statements) {
      if (ts.isFunctionDeclaration(s) && s.name) catalogFunctions.set(s.name.text, s);
    }
  }
  // Twice: a constant may be built from one of a file read later.
  for (let round = 0; round < 2; round++) {
    for (const rel of catalogFiles()) {
      for (const s of parse(rel).statements) {
        if (!ts.isVariableStatement(s)) continue;
        for (const d of s.declarationList.declarations) {
          // The catalog: a statement's text, or a catalog entry `{ text }` (per engine: the SQLite text).
          const sql = ts.isIdentifier(d.name) && d.initializer ? catalogText(d.initializer, constants) : undefined;
          if (sql !== undefined) constants.set(d.name.text, sql);
        }
      }
    }
  }
  return constants;
}

/** The method `name` of the engine plan's exported object (sqlitePlans). */
function enginePlanMember(name) {
  for (const s of parse(ENGINE_PLANS).statements) {
    if (!ts.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations) {
      if (!d.initializer || !ts.isObjectLiteralExpression(d.initializer)) continue;
      const member = d.initializer.properties.find((p) => p.name?.getText() === name);
      if (member !== undefined) return member;
    }
  }
  return undefined;
}

function readOperations() {
  const ops = new Map();
  const constants = collectCatalog();
  for (const file of readdirSync(path.join(ROOT, OPERATIONS_DIR)).sort()) {
    if (!file.endsWith('.ts')) continue;
    const sf = parse(`${OPERATIONS_DIR}/${file}`);
    const functions = new Map();
    for (const s of sf.statements) {
      if (ts.isFunctionDeclaration(s) && s.name) functions.set(s.name.text, s);
    }
    for (const s of sf.statements) {
      if (!ts.isVariableStatement(s)) continue;
      for (const d of s.declarationList.declarations) {
        if (!d.initializer || !ts.isObjectLiteralExpression(d.initializer)) continue;
        for (const p of d.initializer.properties) {
          if (!ts.isPropertyAssignment(p) || !ts.isCallExpression(p.initializer)) continue;
          const call = p.initializer;
          const callee = text(call.expression);
          let body = call;
          const substitutions = new Map(constants);
          if (callee !== 'defineOperation') {
            const fn = functions.get(callee);
            if (fn === undefined) continue;
            body = fn;
            fn.parameters.forEach((param, i) => {
              const arg = call.arguments[i];
              if (arg && ts.isStringLiteral(arg)) substitutions.set(param.name.getText(), arg.text);
              else if (arg && ts.isIdentifier(arg) && constants.has(arg.text)) {
                substitutions.set(param.name.getText(), constants.get(arg.text));
              }
            });
          }
          ops.set(p.name.getText(), analyseOperation(body, substitutions, functions));
        }
      }
    }
  }
  return ops;
}

/** The SQL text a catalog constant holds, resolving the constants it is built from; undefined if none. */
function catalogText(node, constants) {
  if (ts.isAsExpression(node) || ts.isSatisfiesExpression?.(node)) return catalogText(node.expression, constants);
  if (ts.isParenthesizedExpression(node)) return catalogText(node.expression, constants);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isIdentifier(node)) return constants.get(node.text);
  if (ts.isTemplateExpression(node)) {
    let s = node.head.text;
    for (const span of node.templateSpans) {
      s += spanText(span.expression, constants);
      s += span.literal.text;
    }
    return s;
  }
  if (ts.isObjectLiteralExpression(node)) {
    for (const p of node.properties) {
      if (!ts.isPropertyAssignment(p)) continue;
      const name = p.name.getText();
      if (name === 'text' || name === 'sqlite') return catalogText(p.initializer, constants);
    }
  }
  // A text built per engine through the dialect: `perEngine((d) => ...)`, `(d) => ...`, `d.upsert({...})`.
  if (ts.isArrowFunction(node) && !ts.isBlock(node.body)) return catalogText(node.body, constants);
  if (ts.isCallExpression(node)) return builtText(node, constants);
  return undefined;
}

/** A `${...}` of a catalog text. */
function spanText(expr, constants) {
  const t = text(expr);
  if (constants.has(t)) return constants.get(t);
  if (/cacheTable|^table$/.test(t)) return 'cache_<cacheType>';
  if (ts.isCallExpression(expr)) return builtText(expr, constants) ?? `<${t}>`;
  return `<${t}>`;
}

/** The text a call builds: through a dialect (`d.upsert`, `d.identifier`), or a catalog function. */
function builtText(call, constants) {
  const callee = text(call.expression);
  const first = call.arguments[0];
  if (callee === 'perEngine') return first === undefined ? undefined : catalogText(first, constants);
  if (/\.upsert$/.test(callee)) return first && ts.isObjectLiteralExpression(first) ? upsertText(first) : undefined;
  if (/\.identifier$/.test(callee)) return first && ts.isStringLiteral(first) ? first.text : undefined;
  // Expressions that name no table (TTL arithmetic, lengths, key lists).
  if (/\.(secondsAgo|charLength|tupleIn)$/.test(callee)) return '?';
  if (constants.has(callee)) return constants.get(callee);
  const fn = catalogFunctions.get(callee);
  const returned = fn?.body?.statements.find(ts.isReturnStatement)?.expression;
  return returned === undefined ? undefined : catalogText(returned, constants);
}

/** A dialect upsert as the SQL it stands for (SQLite's form): its table, and whether a conflict updates. */
function upsertText(spec) {
  let table = '<table>';
  let nothing = false;
  for (const p of spec.properties) {
    const name = p.name?.getText();
    if (name === 'table') {
      table =
        ts.isPropertyAssignment(p) && ts.isStringLiteral(p.initializer) ? p.initializer.text : 'cache_<cacheType>';
    }
    if (name === 'onConflict' && ts.isPropertyAssignment(p) && ts.isStringLiteral(p.initializer)) {
      nothing = p.initializer.text === 'nothing';
    }
  }
  return `INSERT INTO ${table} VALUES (?) ON CONFLICT (key) ${nothing ? 'DO NOTHING' : 'DO UPDATE SET value = excluded.value'}`;
}

/** The statement a cache type's entry holds: `cacheOf(type, op).set` -> cacheStatements(table).set. */
function cacheStatementText(member, constants) {
  const fn = catalogFunctions.get('cacheStatements');
  const returned = fn?.body?.statements.find(ts.isReturnStatement)?.expression;
  if (returned === undefined || !ts.isObjectLiteralExpression(returned)) return undefined;
  const p = returned.properties.find((x) => x.name?.getText() === member);
  if (p === undefined || !ts.isPropertyAssignment(p)) return undefined;
  const init = ts.isSatisfiesExpression?.(p.initializer) ? p.initializer.expression : p.initializer;
  return catalogText(init, constants);
}

function analyseOperation(root, substitutions, functions) {
  let kind;
  const defaults = new Map();
  const sql = [];
  const followed = new Set();
  const cacheAliases = new Set();
  const visit = (node) => {
    // A helper of the same file called with the operation's arguments (`messageRow(a, e, op)`): its defaults count.
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.arguments.some((x) => text(x) === 'a')) {
      const helper = functions.get(node.expression.text);
      if (helper !== undefined && !followed.has(helper)) {
        followed.add(helper);
        visit(helper);
      }
    }
    if (ts.isCallExpression(node) && text(node.expression) === 'defineOperation') {
      const k = node.arguments[0];
      if (k && ts.isStringLiteral(k)) kind = k.text;
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) {
      const left = node.left;
      if (ts.isPropertyAccessExpression(left) && text(left.expression) === 'a' && isLiteral(node.right)) {
        defaults.set(left.name.text, text(node.right));
      }
    }
    // A flag bound as `e.flag(a.x === true)`: left out means false.
    if (
      ts.isCallExpression(node) &&
      /\.flag$/.test(text(node.expression)) &&
      node.arguments[0] &&
      ts.isBinaryExpression(node.arguments[0]) &&
      ts.isPropertyAccessExpression(node.arguments[0].left) &&
      text(node.arguments[0].left.expression) === 'a' &&
      text(node.arguments[0].right) === 'true'
    ) {
      defaults.set(node.arguments[0].left.name.text, 'false');
    }
    // What differs per engine: the engine plan's member (`BOT_PLANS[e.engine].claimDelayedTasks(...)`).
    if (ts.isPropertyAccessExpression(node) && /^BOT_PLANS\[/.test(text(node.expression))) {
      const member = enginePlanMember(node.name.text);
      if (member !== undefined && !followed.has(member)) {
        followed.add(member);
        if (ts.isPropertyAssignment(member) && ts.isIdentifier(member.initializer)) {
          const sqlText = substitutions.get(member.initializer.text);
          if (sqlText !== undefined) sql.push(sqlText);
        } else visit(member);
      }
    }
    // A cache type's statement: `cacheOf(a.cacheType, op).set`, or `.entry` of `const cache = cacheOf(...)`.
    const isCacheOf = (x) => ts.isCallExpression(x) && text(x.expression) === 'cacheOf';
    if (ts.isVariableDeclaration(node) && node.initializer && isCacheOf(node.initializer)) {
      cacheAliases.add(node.name.getText());
    }
    if (
      ts.isPropertyAccessExpression(node) &&
      (isCacheOf(node.expression) || (ts.isIdentifier(node.expression) && cacheAliases.has(node.expression.text)))
    ) {
      const sqlText = cacheStatementText(node.name.text, substitutions);
      if (sqlText !== undefined) sql.push(sqlText);
    }
    // A catalog constant named in the operation: its statement.
    if (ts.isIdentifier(node) && substitutions.has(node.text) && !ts.isPropertyAccessExpression(node.parent)) {
      sql.push(substitutions.get(node.text));
    }
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) sql.push(node.text);
    if (ts.isTemplateExpression(node)) {
      let s = node.head.text;
      for (const span of node.templateSpans) {
        const expr = text(span.expression);
        s += substitutions.get(expr) ?? (/cacheTable|^table$/.test(expr) ? 'cache_<cacheType>' : `<${expr}>`);
        s += span.literal.text;
      }
      sql.push(s);
    }
    ts.forEachChild(node, visit);
  };
  visit(root);
  const statements = [];
  const add = (verb, table) => {
    if (!statements.some((x) => x.verb === verb && x.table === table)) statements.push({ verb, table });
  };
  for (const s of sql) {
    const q = squash(s);
    let m = /^INSERT (OR REPLACE )?INTO ([\w<>]+)/i.exec(q);
    if (m) {
      // INSERT ... SELECT (claims): rows picked so that no key repeats; not a plain insert of the caller's key.
      const verb = m[1]
        ? 'replace'
        : /ON CONFLICT .* DO NOTHING/i.test(q)
          ? 'insert-if-absent'
          : /ON CONFLICT .* DO UPDATE/i.test(q)
            ? 'upsert'
            : /\)\s*SELECT\b/i.test(q)
              ? 'upsert'
              : 'insert';
      add(verb, m[2]);
      continue;
    }
    m = /^UPDATE ([\w<>]+)/i.exec(q);
    if (m) {
      add('update', m[1]);
      continue;
    }
    m = /^DELETE FROM ([\w<>]+)/i.exec(q);
    if (m) {
      add('delete', m[1]);
      continue;
    }
    if (/^SELECT\b/i.test(q)) {
      for (const t of q.matchAll(/\b(?:FROM|JOIN) ([a-z_<>]+)/gi)) add('read', t[1]);
    }
  }
  return { kind, defaults, statements };
}

function isLiteral(node) {
  return (
    ts.isStringLiteral(node) ||
    ts.isNumericLiteral(node) ||
    node.kind === ts.SyntaxKind.NullKeyword ||
    node.kind === ts.SyntaxKind.TrueKeyword ||
    node.kind === ts.SyntaxKind.FalseKeyword
  );
}

// ---- routing classes ----------------------------------------------------------------------

const ROUTING = {
  'chat-read': {
    title: 'chat-scoped read',
    short: 'chat read',
    rule: 'Routed by `dataSource` if given, else `chatMapping[chatId]`, else the default source. When that source cannot answer (it could not open, is gone, its worker gave up), the default source answers, with one warning per source.',
  },
  'chat-write': {
    title: 'chat-scoped write',
    short: 'chat write',
    rule: 'Routed by `chatId`: `chatMapping[chatId]`, else the default source. Never takes `dataSource`; refused when the chat routes to a readonly source.',
  },
  'cross-read': {
    title: 'cross-chat read',
    short: 'cross-chat read',
    rule: 'Without `dataSource`: asks every source in parallel and merges the answers (de-duplicated, the owning source wins); a source that cannot answer is skipped, and the answer’s non-enumerable `sources` (`{ answered, skipped }`) says which sources it covers. With `dataSource`: that source only.',
  },
  'system-read': {
    title: 'system-wide read',
    short: 'system read',
    rule: 'The default source, or `dataSource` if given (with the same fallback to the default as a chat-scoped read).',
  },
  'system-write': {
    title: 'system-wide write',
    short: 'system write',
    rule: 'Always the default source (no chat to route by; `dataSource` is refused).',
  },
  'system-write-named': {
    title: 'system-wide write that may name a source',
    short: 'system write (dataSource)',
    rule: 'The default source, or the writable source `dataSource` names (as in the bot). Never redirected: a source that cannot answer fails the call.',
  },
};

function routingOf(method) {
  let found;
  const visit = (node) => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.expression.kind === ts.SyntaxKind.ThisKeyword
    ) {
      const callee = node.expression.name.text;
      const chat = node.arguments[2] ? text(node.arguments[2]) : undefined;
      const op = node.arguments[0] && ts.isStringLiteral(node.arguments[0]) ? node.arguments[0].text : undefined;
      // The entry steps of data-api.ts: the third argument names the routing argument ('chatId') or is undefined.
      if (callee === 'readEvery') found = { cls: 'cross-read', op };
      else if (callee === 'write') {
        // The four system writes that may name a source take SystemWrite<...> arguments.
        const named = /^SystemWrite</.test(method.parameters[0]?.type?.getText() ?? '');
        found = { cls: chat === 'undefined' ? (named ? 'system-write-named' : 'system-write') : 'chat-write', op };
      } else if (callee === 'read' || callee === 'readMessageRows')
        found = { cls: chat === 'undefined' ? 'system-read' : 'chat-read', op };
    }
    if (!found) ts.forEachChild(node, visit);
  };
  visit(method.body);
  if (!found) fail(`cannot tell the routing class of ${method.name.getText()}`);
  if ((found.cls === 'chat-read' || found.cls === 'chat-write') && !/'chatId'/.test(method.body.getText())) {
    fail(`${method.name.getText()} is chat-scoped but does not route by 'chatId'`);
  }
  return found;
}

// ---- hand-written notes: behaviour a signature does not show -------------------------------

const NOTES = {
  saveChatMessage:
    'The counters: +1 to the sender’s `chat_users.messages_count` (touching its `updated_at`), and +1 upserted into `chat_stats` (chat, day) and `chat_user_stats` (chat, user, day), where day is the message’s UTC date at `00:00:00`. Record the sender with `updateChatUser` first: the message is stored either way, but the counter only moves on an existing `chat_users` row, and message reads only return messages whose sender has one.',
  getChatMessageByMessageId: '`null` when there is no such message, or its sender has no `chat_users` row in the chat.',
  getChatMessagesByUser: 'Ordered by `date`.',
  getChatMessagesSince:
    'That is `date > sinceDateTime` and `date < tillDateTime`; each filter applies only when given. `messageCategory: []` matches no message (the bot sends `IN ()`); only `undefined`/`null` means no category filter. Without `limit`, every matching message is returned.',
  getChatMessagesByRootId:
    'Messages whose `root_message_id` is `rootMessageId` (in thread `threadId` when given), ordered by `date`.',
  updateChatUser: 'Touches `updated_at`.',
  markUserIsSpammer: 'Does not touch `updated_at` (being flagged is not activity).',
  updateUserMetadata: 'Replaces `metadata` and touches `updated_at`.',
  getChatUserByUsername: '`username` is compared exactly as stored (e.g. with its `@`).',
  getChatUsers: 'With `seenSince`, only users whose `updated_at` is after it.',
  addUserData: 'Upsert: an existing key gets the new `data`.',
  getUserData: '`{}` when there is none.',
  setChatSetting:
    'Replaces the whole row (`INSERT OR REPLACE`). `value` may be a string, number, boolean or null, stored as the bot’s SQLite stores it in the TEXT column: `true`/`false` as `"1"`/`"0"`, `5` as `"5"`, `0.1` as `"0.1"` (a whole number such as `3.0` gives `"3"`), null as NULL; read back as that text.',
  getChatSettings: '`{ key: value }` of every setting of the chat.',
  updateChatInfo:
    'Upsert of all four fields: on a known chat, a `title` or `username` left out is stored as `null` and `isForum` as false, so pass every field each time.',
  getChatInfo: '`null` for an unknown chat.',
  updateChatTopicInfo:
    'Upsert of all three fields: a field left out is stored as `null`, except the name, stored as `"Default"` (as the bot does).',
  getChatTopics: 'Ordered by `topic_id`.',
  addChatSummarization:
    'The row key `csid` is `"<chatId>:<topicId>_<firstMessageId>:<lastMessageId>-<prompt>"`, with `topicId` printed as `None` when absent (the bot’s format). An existing key gets the new `summary`; so does a row the later (multi-source) bot wrote under the SHA-512 of that key (no duplicate is added).',
  getChatSummarization:
    'Looked up by key, as the bot does: the text key, or its SHA-512 (rows the later bot wrote). A `topicId` left out matches a row stored without topic. `null` when none.',
  addSpamMessage: 'Stores a message classified as spam.',
  addHamMessage: 'Stores a message classified as not spam (`ham_messages`); same arguments as `addSpamMessage`.',
  getSpamMessagesByUserId: 'Ordered by `message_id` compared as text (the table’s key order), as the bot returns them.',
  getUserChats:
    'Chats (with a `chat_info` row) where the user has a `chat_users` row. A chat found in several sources is taken from the source that owns it (its `chatMapping` source, else the default). Ordered by `chat_id`. The array’s non-enumerable `sources` is `{ answered: string[], skipped: { source, code, message }[] }`.',
  getAllGroupChats: 'Chats of type `group` or `supergroup`. De-duplicated and ordered like `getUserChats`.',
  getSpamMessages:
    'One source, as the bot reads it: `dataSource`, else the default (not merged across sources). Its first `limit` rows in insertion order.',
  getSpamMessagesByText: 'One source, like `getSpamMessages`; rows in insertion order.',
  setSetting:
    'Writes the whole row as the bot’s `INSERT OR REPLACE` does: the value, and `created_at` and `updated_at` both new. The keys `db-migration-version` and `db-migration-last-run` hold the schema marker: leave them alone.',
  getSetting: '`default` (else `null`) when the key is missing.',
  getSettings: '`{ key: value }` of the whole `settings` table, the schema marker included.',
  getCacheStorage: 'Every entry of every namespace, by `updated_at`.',
  setCacheStorage: 'Writes the whole row as the bot’s `INSERT OR REPLACE` does (the value and a new `updated_at`).',
  getCacheEntry:
    'Reads table `cache_<cacheType>`; age is measured from `updated_at` with SQLite’s clock, in whole seconds. As the bot: an entry exactly `ttl` seconds old is still returned (`updated_at >= now - ttl`); `ttl` <= 0 returns `null`; no `ttl` (or null): any age.',
  setCacheEntry: 'Upsert into `cache_<cacheType>`: an existing key gets the new `data`.',
  addMediaAttachment:
    'Stores a new attachment keyed by `fileUniqueId`. As the bot: `fileId` is required, `status` defaults to `new`, `mediaType` to `image`, `metadata` to `{}`.',
  updateMediaAttachment:
    'A field that is `undefined` or `null` is left unchanged (the bot’s `None`); there is no way to set a column back to NULL here. `fileId` is this library’s addition (the bot cannot change it).',
  getMediaAttachment: '`null` when unknown.',
  addDelayedTask: 'Stores a task that is not done yet.',
  updateDelayedTask: 'Touches `updated_at`.',
  getPendingDelayedTasks:
    'Tasks with `is_done` false, in insertion order (as the bot returns them; not by `delayed_ts`).',
};

/** Argument meanings, by `method.argument` or by argument name. */
const ARG_NOTES = {
  'saveChatMessage.date':
    'When the message was sent: a `Date`, or ISO text (no offset = UTC), stored as `YYYY-MM-DD HH:MM:SS`; see [arguments.md](arguments.md#kinds).',
  'saveChatMessage.threadId': 'Forum topic; stored as 0 when absent.',
  'saveChatMessage.replyId': 'The message this one replies to.',
  'saveChatMessage.rootMessageId': 'First message of the reply thread.',
  'saveChatMessage.mediaId': '`file_unique_id` of an attachment stored with `addMediaAttachment`.',
  'getChatMessagesSince.sinceDateTime': 'Exclusive lower bound on `date`.',
  'getChatMessagesSince.tillDateTime': 'Exclusive upper bound on `date`.',
  'getChatMessagesSince.messageCategory': 'Keep only these categories (empty or `null`: all).',
  'getChatMessagesSince.limit': 'Absent or `null`: no limit. Otherwise 1 to `MAX_LIMIT` (100000), as every `limit`.',
  'getChatUsers.seenSince': 'Exclusive lower bound on `updated_at`.',
  'getChatSetting.setting': 'The setting’s key.',
  'updateChatInfo.type': '`private`, `group`, `supergroup` or `channel`.',
  'updateChatTopicInfo.topicId': 'Forum topic id (a message thread id).',
  'updateChatTopicInfo.customEmojiId': 'Stored as `icon_custom_emoji_id`.',
  'updateChatTopicInfo.topicName': 'Stored as `name`.',
  'addSpamMessage.spamReason': 'Stored as `reason`.',
  'addSpamMessage.messageText': 'Stored as `text`.',
  'addSpamMessage.score': 'The classifier’s score (a finite number).',
  'addHamMessage.score': 'The classifier’s score (a finite number).',
  'addHamMessage.spamReason': 'Stored as `reason`.',
  'addHamMessage.messageText': 'Stored as `text`.',
  'getSpamMessagesByText.text': 'Compared exactly with the stored text.',
  'getSpamMessages.limit': 'Applies per source and again after the merge.',
  'updateMediaAttachment.mediaId': 'The attachment’s `file_unique_id`.',
  'getMediaAttachment.mediaId': 'The attachment’s `file_unique_id`.',
  'addDelayedTask.taskId': 'Stored as `id`.',
  'addDelayedTask.delayedTS': 'When the task is due (a finite number, e.g. Unix seconds); stored as `delayed_ts`.',
  'addDelayedTask.kwargs': 'Stored as given (the bot passes JSON text).',
  'updateDelayedTask.id': 'The `taskId` given to `addDelayedTask`.',
};

/** Column meanings, by `Row.column`, where the name does not say it. */
const COLUMN_NOTES = {
  'ChatMessage.thread_id': 'Forum topic; 0 when none.',
  'ChatMessage.root_message_id': 'First message of the reply thread.',
  'ChatMessage.media_id': '`file_unique_id` of the attachment.',
  'ChatMessage.full_name': 'The sender’s, from `chat_users`.',
  'ChatUser.messages_count': 'Bumped by `saveChatMessage`.',
  'ChatUser.timezone': 'Not written by this API.',
  'ChatInfo.type': '`private`, `group`, `supergroup` or `channel` (other stored text is passed through).',
  'ChatSummarization.csid': '`"<chatId>:<topicId>_<first>:<last>-<prompt>"`.',
  'SpamMessage.reason': 'The `spamReason` given.',
  'DelayedTask.delayed_ts': 'When the task is due.',
  'DelayedTask.kwargs': 'As given to `addDelayedTask`.',
};

// ---- markdown helpers ---------------------------------------------------------------------

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s) => `\`${s}\``;
const slug = (heading) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');

function table(headers, rows) {
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

function membersTable(name, { drop = [], firstHeader = 'Field' } = {}) {
  const rows = interfaceMembers(name)
    .filter((m) => !drop.includes(m.name))
    .map((m) => [
      code(m.name + (m.optional ? '?' : '')),
      code(m.type),
      [m.doc, COLUMN_NOTES[`${name}.${m.name}`] ?? ''].filter((x) => x).join(' '),
    ]);
  return table([firstHeader, 'Type', 'Meaning'], rows);
}

/** Type names in a type node that have a declaration (for links to rows and types). */
function referencedNames(typeNode) {
  const out = [];
  const visit = (node) => {
    if (ts.isTypeReferenceNode(node)) {
      const n = text(node.typeName);
      if (decls.has(n) && !out.includes(n)) out.push(n);
    }
    ts.forEachChild(node, visit);
  };
  visit(typeNode);
  return out;
}

// ---- collecting the API -------------------------------------------------------------------

const ops = readOperations();
const dataApi = findClass(SOURCES.dataApi, 'DataApi');
const dataApiSf = parse(SOURCES.dataApi);
const typesRel = SOURCES.types;
const isFromTypes = (name) => decls.get(name)?.rel === typesRel;

const methods = [];
let section = 'Other';
for (const m of dataApi.members) {
  const s = sectionOf(m, dataApiSf);
  if (s !== undefined) section = s;
  if (!ts.isMethodDeclaration(m) || !isPublic(m)) continue;
  const name = m.name.getText();
  const { cls, op } = routingOf(m);
  if (op !== name) fail(`${name} runs operation ${op}: document it by hand`);
  const operation = ops.get(op);
  if (operation === undefined) fail(`no operation ${op} in ${OPERATIONS_DIR}`);
  const expectedKind = cls.includes('write') ? 'write' : 'read';
  if (operation.kind !== expectedKind) fail(`${name} is a ${cls} but its operation is a ${operation.kind}`);
  methods.push({ name, node: m, section: section.replace(/^./, (c) => c.toUpperCase()), cls, operation });
}
for (const key of [
  ...Object.keys(NOTES),
  ...Object.keys(ARG_NOTES)
    .filter((k) => k.includes('.'))
    .map((k) => k.split('.')[0]),
]) {
  if (!methods.some((m) => m.name === key))
    fail(`NOTES or ARG_NOTES name ${key}, which is not a public method any more`);
}

/** The argument interface of a domain method: { iface, flavor: 'read' | 'write' | 'options' }. */
function argumentsOf(m) {
  const p = m.node.parameters[0];
  if (!p?.type) return { iface: undefined, flavor: 'none' };
  const t = p.type;
  if (ts.isTypeReferenceNode(t)) {
    const wrapper = text(t.typeName);
    if ((wrapper === 'Read' || wrapper === 'Write') && t.typeArguments?.length === 1) {
      return { iface: text(t.typeArguments[0]), flavor: wrapper.toLowerCase(), optional: !!p.initializer };
    }
    if (wrapper === 'SystemWrite' && t.typeArguments?.length === 1) {
      return { iface: text(t.typeArguments[0]), flavor: 'named-write', optional: !!p.initializer };
    }
    if (wrapper === 'ReadOptions') return { iface: undefined, flavor: 'read', optional: !!p.initializer };
  }
  fail(`cannot read the argument type of ${m.name}: ${text(t)}`);
}

function argumentRows(m) {
  const { iface, flavor } = argumentsOf(m);
  const rows = [];
  const defaults = m.operation.defaults;
  for (const f of iface ? interfaceMembers(iface) : []) {
    let def = '';
    if (f.optional && defaults.has(f.name)) {
      const d = defaults.get(f.name);
      def = d === 'null' ? 'NULL' : code(d);
    }
    const meaning = [f.doc, ARG_NOTES[`${m.name}.${f.name}`] ?? ARG_NOTES[f.name] ?? ''].filter((x) => x).join(' ');
    rows.push([code(f.name + (f.optional ? '?' : '')), code(f.type), def, meaning]);
  }
  if (flavor === 'read')
    rows.push([
      code('dataSource?'),
      code('string'),
      '',
      'Source to read from, overriding chatMapping and the default.',
    ]);
  if (flavor === 'named-write')
    rows.push([code('dataSource?'), code('string'), '', 'A writable source to write instead of the default.']);
  return rows;
}

function storageLine(m) {
  const parts = m.operation.statements.map(({ verb, table: t }) => {
    const tbl = code(t);
    switch (verb) {
      case 'read':
        return `reads ${tbl}`;
      case 'insert':
        return `inserts into ${tbl}`;
      case 'upsert':
        return `upserts into ${tbl}`;
      case 'insert-if-absent':
        return `inserts into ${tbl} unless the key is there`;
      case 'replace':
        return `replaces in ${tbl}`;
      case 'update':
        return `updates ${tbl}`;
      default:
        return `deletes from ${tbl}`;
    }
  });
  if (m.operation.kind === 'read') {
    const tables = m.operation.statements.map((s) => code(s.table));
    return `Reads ${tables.join(', ')}.`;
  }
  const line = parts.join(', ');
  return `${line.charAt(0).toUpperCase()}${line.slice(1)}.`;
}

function errorsOf(m) {
  const details = [];
  if (m.cls !== 'chat-write' && m.cls !== 'system-write')
    details.push(
      '`UNKNOWN_SOURCE`: `dataSource` names no configured source and `unknown-data-source` is `"refuse"` (by default the default source is used and the logger warns once per name).',
    );
  if (m.cls === 'chat-write') details.push('`READONLY_SOURCE`: the chat routes to a readonly source.');
  if (m.cls === 'system-write') details.push('`READONLY_SOURCE`: the default source is readonly.');
  if (m.cls === 'system-write-named')
    details.push('`READONLY_SOURCE`: `dataSource` (or, without it, the default source) is readonly.');
  if (m.cls.includes('write')) {
    details.push('`SCHEMA_TOO_NEW`: the source’s file has a newer schema version; writes are refused.');
    details.push(
      m.cls === 'system-write-named'
        ? '`INVALID_ARGUMENT`: an argument has the wrong type or value.'
        : '`INVALID_ARGUMENT`: `dataSource` was passed (this write does not take it), or an argument has the wrong type or value.',
    );
  } else {
    details.push('`INVALID_ARGUMENT`: an argument has the wrong type or value.');
  }
  if (m.operation.statements.some((s) => s.verb === 'insert')) {
    const t = m.operation.statements.find((s) => s.verb === 'insert').table;
    details.push(
      `\`QUERY_FAILED\` (\`SQLITE_CONSTRAINT_PRIMARYKEY\`): a row with the same key is already in \`${t}\`; nothing was written.`,
    );
  }
  if (m.cls === 'cross-read')
    details.push(
      'A source that cannot answer (`SOURCE_OPEN_FAILED`, `SOURCE_UNAVAILABLE`, `SOURCE_CRASHED`) is skipped and listed in `sources.skipped`; any other failure fails the call, and so does a call no source answers (with the default source’s error).',
    );
  return details;
}

// ---- rendering ----------------------------------------------------------------------------

const out = [];
const w = (...lines) => out.push(...lines);

const ROW_TYPES = [];
for (const m of methods) {
  for (const n of referencedNames(m.node.type)) if (isFromTypes(n) && !ROW_TYPES.includes(n)) ROW_TYPES.push(n);
}

function returnsLine(m) {
  const t = m.node.type;
  const inner = ts.isTypeReferenceNode(t) && text(t.typeName) === 'Promise' ? t.typeArguments[0] : t;
  const rows = referencedNames(inner).filter((n) => ROW_TYPES.includes(n));
  const links = rows.map((n) => `[${n}](#${slug(n)})`);
  return `${code(text(inner))}${links.length ? ` — columns: ${links.join(', ')}` : ''}`;
}

const wrapper = findClass(SOURCES.wrapper, 'DatabaseWrapper');
const wrapperMembers = new Map();
for (const m of wrapper.members) {
  if (!isPublic(m)) continue;
  if (ts.isConstructorDeclaration(m)) wrapperMembers.set('constructor', m);
  else if (m.name) wrapperMembers.set(m.name.getText(), m);
}
const WRAPPER_ORDER = [
  'constructor',
  'ready',
  'close',
  'config',
  'sources',
  'routeFor',
  'query',
  'transaction',
  'stats',
  'shardStats',
  'reconfigure',
  'watchConfig',
  'moveChat',
];
for (const k of wrapperMembers.keys()) {
  if (!WRAPPER_ORDER.includes(k))
    fail(`DatabaseWrapper.${k} is public but not documented: add it to WRAPPER_ORDER and WRAPPER_DOCS`);
}

/** Per wrapper member: the interfaces to expand, extra prose, and errors. */
const WRAPPER_DOCS = {
  constructor: {
    expand: ['LegacyOptions', 'MultiSourceOptions', 'Logger', 'BrokerOptions'],
    prose: [
      'Pass exactly one of `dbPath` (the existing bot’s constructor: one writable file, served as a source named `"default"`) or `config` (several sources). The configuration is validated at once. Each source’s worker starts on its first call (or `ready()`, which starts them all) and opens its file or connects then; calls made before it is ready wait for it.',
      "With `config`, relative source paths resolve against `baseDir` (default: the current directory); with `dbPath`, against the current directory. A configuration from `loadConfig()` already has absolute paths. `logger` takes a pino logger, or any object with `warn` (and optionally `debug`, `info`, `error`); every line is `logger.<level>(fields, message)`, pino's order, so a console-like logger prints both. Routing decisions go to `debug`, fallbacks, worker restarts and configuration warnings to `warn`, rejected reconfigurations to `error` ([operations.md](operations.md#logs) lists the events and their fields). Without a logger, warnings become Node warnings (code `BOTDB`) and debug lines go to `util.debuglog('botdb')`: set `NODE_DEBUG=botdb` to see them.",
      'The config shapes (`DatabaseConfigInput`, `DatabaseConfig`) are described in [configuration.md](configuration.md#configuring-in-code).',
    ],
    errors: [
      '`CONFIG_INVALID` (thrown synchronously): both or neither of `dbPath` and `config`, or an invalid configuration; `issues` lists every problem.',
    ],
  },
  ready: {
    prose: [
      'Optional: calls made earlier wait for their source anyway. Use it to fail fast at start-up. A source that failed to open stays failed (every call routed to it rejects with the same error) until `reconfigure` retries it (any reconfiguration does, even with the same configuration) or a new `DatabaseWrapper` is created; the other sources keep working.',
    ],
    errors: [
      '`SOURCE_OPEN_FAILED`, `NOT_A_BOT_DATABASE`, `MIGRATION_FAILED`: a source could not be opened.',
      '`SOURCE_CRASHED`: a worker died while opening.',
    ],
  },
  close: {
    prose: ['Calls already made are completed first. Calling `close()` again is harmless.'],
    errors: [],
  },
  config: {
    prose: [
      'The normalised configuration: absolute paths, every setting filled in, only mappings to defined sources. With `dbPath`, one source `"default"`.',
    ],
    errors: [],
    expand: ['DatabaseConfig', 'SqliteSourceConfig', 'PostgresSourceConfig'],
  },
  sources: {
    prose: ['Then the others in configuration order: the order in which cross-chat reads merge.'],
    errors: [],
  },
  routeFor: {
    expand: ['RouteRequest', 'RouteDecision'],
    drop: { RouteRequest: ['operation'] },
    prose: [
      "Synchronous; runs nothing. `{ chatId }` answers for a read, `{ chatId, write: true }` for a write (which ignores `dataSource`). `reason` is `'dataSource'`, `'chatMapping'` or `'default'`.",
    ],
    errors: [
      '`UNKNOWN_SOURCE` (thrown): a read’s `dataSource` names no source.',
      '`READONLY_SOURCE` (thrown): with `write: true`, the chat routes to a readonly source.',
    ],
  },
  query: {
    prose: [
      'Rows come back as the engine returns them, unconverted: on SQLite timestamps as text and flags as 0/1 (statements are prepared once per connection and reused); on PostgreSQL as the `postgres` driver parses them (`TIMESTAMPTZ` as `Date`, `BOOLEAN` as booleans), with `$1` parameters. Use it for reads the domain methods do not offer; it cannot write.',
    ],
    errors: [
      '`UNKNOWN_SOURCE`: `dataSource` names no source.',
      '`INVALID_ARGUMENT`: the statement would write (checked by SQLite before it runs; on PostgreSQL it runs in a `READ ONLY` transaction, which the server enforces).',
      '`QUERY_FAILED`: the engine rejected the statement (e.g. `SQLITE_ERROR`, or SQLSTATE `42P01` on PostgreSQL, for a syntax error or unknown table).',
    ],
  },
  transaction: {
    expand: ['TransactionScope'],
    prose: [
      'The scope picks the source: `dataSource` if given, else `chatMapping[chatId]`, else the default. On a writable source the transaction starts with `BEGIN IMMEDIATE` (it holds the write lock); on a readonly source with `BEGIN` (reads only). `fn` receives a [`Transaction`](#the-transaction-object); its calls run in order on the reserved connection and skip the source’s queue. Resolves with what `fn` resolves with, after `COMMIT`.',
      'One transaction runs per source at a time: a second `transaction` on the same source waits. Writes made through `db` (not `tx`) to that source wait until the transaction ends; reads through `db` go on, on other connections, and see only committed data — unless such a write is already waiting, since calls from outside keep their order. So inside `fn`, make every call to the transaction’s source through `tx`: awaiting a `db` write there deadlocks (it waits for the transaction, which waits for it), as does awaiting a `db` read queued behind one, or any `db` call when `pool-size = 1`.',
    ],
    errors: [
      '`UNKNOWN_SOURCE`: `scope.dataSource` names no source.',
      '`CROSS_SOURCE_TRANSACTION`: a `tx` call routed to another source (rolled back if it propagates out of `fn`).',
      '`TRANSACTION_ENDED`: `tx` was used after `fn` settled, or the worker died during the transaction.',
      'Whatever `fn` throws is rethrown after the rollback.',
    ],
  },
  stats: {
    expand: ['DatabaseSourceStats', 'SourceStats', 'LatencyPercentiles'],
    prose: [
      'The same figures as Prometheus metrics: `registerBotdbMetrics(db, { registry })` from `@pkg/metrics` ([operations.md](operations.md#metrics)). `errorsByCode` is counted by the wrapper and includes routing refusals (`READONLY_SOURCE`, `UNKNOWN_SOURCE`); `state` is `running`, `not started` (no worker has the source open: before its first call, after an idle stop, or while opening) or `unavailable`.',
      'Keyed by source name. Never rejects: a source that failed to open, or is closed, reports its main-thread figures and zeros for the pool. The pool figures (`connections*`, `statementsPrepared`) come from the live worker and start again after a restart; the others (calls, errors, queue, batches, restarts, latency of the last 8192 calls) are kept by the main thread for the wrapper’s lifetime. `errors` counts calls that failed in or on the way to the worker (including `SOURCE_OVERLOADED`), not routing refusals such as `READONLY_SOURCE`.',
    ],
    errors: [],
  },
  shardStats: {
    expand: ['ShardFigures'],
    prose: [
      'For each source of a shard group: the chats it holds and the rows of its per-chat tables, measured with one pair of `COUNT` queries per shard (a shard that cannot answer is left out). `maxAgeMs` accepts figures measured that recently. `stats()` carries the last figures as `shard` and re-measures them in the background once older than a minute; `@pkg/metrics` serves them as `botdb_shard_chats` and `botdb_shard_rows` ([configuration.md](configuration.md#shard-groups)).',
    ],
    errors: [],
  },
  reconfigure: {
    expand: ['ReconfigureOptions', 'ReconfigureResult'],
    prose: [
      'Takes what the constructor’s `config` takes (relative paths resolve against the constructor’s `baseDir`). The rules, and what happens to calls in flight: [operations.md](operations.md#reconfiguration).',
    ],
    errors: [
      '`CONFIG_INVALID`: the new configuration is invalid, maps a chat to an undefined source, or removes a source the running `chatMapping` maps chats to (without `allowDroppingMappedSources`); nothing changed, the reason is logged at `error`.',
      '`INVALID_ARGUMENT`: `options` is not `{ allowDroppingMappedSources?: boolean }`.',
      '`SOURCE_OPEN_FAILED` (and the other open errors): an added or replaced source did not open; the configuration is applied anyway, as with `ready()`.',
      '`SOURCE_CLOSED`: the wrapper is closed.',
    ],
  },
  moveChat: {
    expand: ['MoveChatOptions', 'MoveChatResult', 'MoveProgress'],
    prose: [
      'Safe while the bot runs, in this and every other process of the bot: the protocol, the placement table and the exact guarantees are in [operations.md](operations.md#moving-a-chat-while-the-bot-runs). `moveChatOnline({ config, ...options })` from `@pkg/core` runs the same move from any process (`botdb move --online`).',
    ],
    errors: [
      '`CHAT_MOVE_FAILED`: the chat is pinned by `chatMapping`, an earlier move of it to another source is unfinished, the schema versions differ, or the verified counts differ (the chat stays in its source; run the move again).',
      '`UNKNOWN_SOURCE`, `READONLY_SOURCE`: `to` names no source, or a readonly one.',
      '`INVALID_ARGUMENT`: bad `chatId`, `to`, `keepOld` or `drainMs`.',
      'Writes of a chat that stays fenced longer than 30 s (a mover killed and not resumed) fail with `CHAT_MOVING`; nothing of them was written.',
    ],
  },
  watchConfig: {
    expand: ['WatchConfigOptions', 'ConfigWatcher'],
    prose: [
      'Each change of the file is loaded with `loadConfig` (strict) and passed to `reconfigure`. A file that does not load, or a configuration `reconfigure` rejects, is logged at `error` and changes nothing.',
    ],
    errors: [],
  },
};

function renderWrapperMember(key) {
  const m = wrapperMembers.get(key);
  const d = WRAPPER_DOCS[key];
  if (!m || !d) fail(`DatabaseWrapper member ${key} is missing (code or WRAPPER_DOCS)`);
  const title = key === 'constructor' ? 'new DatabaseWrapper(options)' : key;
  w(`### ${title}`, '');
  w('```ts', signature(m), '```', '');
  const doc = jsDoc(m);
  if (doc) w(doc, '');
  for (const p of d.prose) w(p, '');
  for (const name of d.expand ?? []) {
    w(`\`${name}\`${jsDoc(decl(name).node) ? ` — ${jsDoc(decl(name).node)}` : ''}`, '');
    w(membersTable(name, { drop: d.drop?.[name] ?? [] }), '');
  }
  if (d.errors.length) w('**Errors:**', '', ...d.errors.map((e) => `- ${e}`), '');
}

function renderMethod(m) {
  w(`#### ${m.name}`, '');
  w('```ts', signature(m.node), '```', '');
  const doc = jsDoc(m.node);
  const note = NOTES[m.name];
  const prose = [doc, note].filter((s) => s).join(' ');
  if (prose) w(prose, '');
  const r = ROUTING[m.cls];
  w(`**Routing:** ${r.title} — ${r.rule}`, '');
  const args = argumentsOf(m);
  const rows = argumentRows(m);
  if (rows.length) {
    const label = args.iface
      ? `**Arguments** (\`${args.iface}\`${args.optional ? ', the object itself may be omitted' : ''}):`
      : `**Arguments**${args.optional ? ' (the object itself may be omitted)' : ''}:`;
    w(label, '', table(['Argument', 'Type', 'Default', 'Meaning'], rows), '');
  }
  w(`**Returns:** ${returnsLine(m)}`, '');
  w(`**Storage:** ${storageLine(m)}`, '');
  w(
    '**Errors** (besides [those of every call](#errors-every-call-can-raise)):',
    '',
    ...errorsOf(m).map((e) => `- ${e}`),
    '',
  );
}

// Header and overview.
w(
  '# API reference: `@pkg/core`',
  '',
  '<!-- Generated by scripts/gen-api-docs.mjs from packages/core/src (data-api.ts, database-wrapper.ts, transaction.ts, types.ts, operations/) and the option and stat types of @pkg/broker and @pkg/config. Do not edit by hand: run `pnpm docs:api`. -->',
  '',
  '```ts',
  "import { DatabaseWrapper } from '@pkg/core';",
  '',
  "const db = new DatabaseWrapper({ dbPath: 'bot.db' });         // the existing bot's constructor",
  "await db.updateChatUser({ chatId: -100123, userId: 42, username: '@ann', fullName: 'Ann' });",
  "await db.saveChatMessage({ date: new Date(), chatId: -100123, userId: 42, messageId: 7, messageText: 'hi' });",
  'const last = await db.getChatMessagesByUser({ chatId: -100123, userId: 42, limit: 10 });',
  'await db.close();',
  '```',
  '',
  'Conventions:',
  '',
  '- Every domain method takes **one object of named arguments**, named as the existing bot names its parameters (camelCase), and returns a promise.',
  '- Rows keep the bot’s **column names** (snake_case). Timestamps come back as `Date` (stored as UTC text `YYYY-MM-DD HH:MM:SS`), 0/1 flags as booleans, message ids as strings. Timestamp arguments take a `Date` or that text (ISO forms too); message-id arguments take strings, safe-integer numbers or bigints.',
  '- Arguments are checked before anything is sent to a worker, with the same rules everywhere: integers are safe integers, `limit` is 1 to 100000, booleans are booleans, texts are well-formed strings, timestamps are real dates in years 1 to 9999, unknown argument names are refused with the closest valid one. No call throws synchronously. The rules, kind by kind: [arguments.md](arguments.md).',
  '- Every failure is a `DatabaseError` with a stable `code`; see [troubleshooting.md](troubleshooting.md) for each code.',
  '- Every write resolves `true` once its statement ran, whether or not a row matched (the bot’s `True`); it never resolves `false`: a failure rejects.',
  '',
);

// Contents.
w('## Contents', '');
w('- [DatabaseWrapper](#databasewrapper): construction, lifecycle, routing, raw queries, transactions, stats');
w('- [Routing classes](#routing-classes)');
w('- [Errors every call can raise](#errors-every-call-can-raise)');
w('- [Domain methods](#domain-methods)');
const sections = [...new Set(methods.map((m) => m.section))];
for (const s of sections) w(`  - [${s}](#${slug(s)})`);
w('- [The Transaction object](#the-transaction-object)');
w('- [Rows](#rows)');
w('- [Argument types and enumerations](#argument-types-and-enumerations)');
w('- [Other exports](#other-exports)', '');

// Index table.
w('### Method index', '');
w(
  table(
    ['Method', 'Routing', 'Returns'],
    methods.map((m) => {
      const t = m.node.type;
      const inner = ts.isTypeReferenceNode(t) && text(t.typeName) === 'Promise' ? t.typeArguments[0] : t;
      return [`[${m.name}](#${slug(m.name)})`, ROUTING[m.cls].short, code(text(inner))];
    }),
  ),
  '',
);

// Wrapper.
w('## DatabaseWrapper', '');
const wrapperDoc = jsDoc(wrapper) || fileDoc(parse(SOURCES.wrapper));
if (wrapperDoc) w(wrapperDoc, '');
w('Everything in [Domain methods](#domain-methods), plus the members below.', '');
for (const key of WRAPPER_ORDER) renderWrapperMember(key);

// Routing classes.
w('## Routing classes', '');
w('Every domain method belongs to one class, which decides the source it runs on:', '');
w(
  table(
    ['Class', 'Where the call goes', 'Methods'],
    Object.entries(ROUTING).map(([key, r]) => [
      r.title,
      r.rule,
      methods
        .filter((m) => m.cls === key)
        .map((m) => m.name)
        .join(', '),
    ]),
  ),
  '',
);
w(
  'Routing never looks at the data: it uses only the call’s `chatId`, its `dataSource`, the configuration and the recorded placement of chats moved online. `db.routeFor()` shows the decision for given arguments. Only `db.moveChat` (and `botdb shards apply`, which uses it) moves a chat’s data, safely while the bot runs ([operations.md](operations.md#moving-a-chat-while-the-bot-runs)); `botdb move` without `--online` copies chats for a stopped bot ([cli.md](cli.md)).',
  '',
);

// Common errors.
w('## Errors every call can raise', '');
w('Any domain method (and `query`, `transaction`) can reject with:', '');
w(
  table(
    ['Code', 'When'],
    [
      [
        '`SOURCE_OPEN_FAILED`, `NOT_A_BOT_DATABASE`, `MIGRATION_FAILED`',
        'The source the call routes to could not be opened (the same error as `ready()`).',
      ],
      ['`SOURCE_OVERLOADED`', 'The source already has `max-queued` calls waiting; this call was not run.'],
      [
        '`SOURCE_CRASHED`',
        'The source’s worker died while the call was in flight; it may or may not have been applied. The worker restarts.',
      ],
      ['`SOURCE_CLOSED`', '`close()` was called before this call.'],
      [
        '`QUERY_FAILED`',
        'The engine failed the statement: `details.sqliteCode` on SQLite (e.g. `SQLITE_BUSY` after the busy timeout, `SQLITE_CONSTRAINT_PRIMARYKEY`), `details.sqlstate` on PostgreSQL (e.g. `23505`); `details.constraint` is true for a constraint violation on either.',
      ],
      [
        '`INVALID_ARGUMENT`',
        'An argument has the wrong type or value, or a name the method does not know (checked on the calling thread before anything is sent to a worker; see [arguments.md](arguments.md)).',
      ],
    ],
  ),
  '',
);
w('Inside a transaction, calls through `tx` can also raise `CROSS_SOURCE_TRANSACTION` and `TRANSACTION_ENDED`.', '');

// Domain methods.
w('## Domain methods', '');
w(
  'Grouped as in `data-api.ts`. `Read<A>` is `A & { dataSource?: string }`; `Write<A>` is `A & { dataSource?: never }` (passing `dataSource` to a write is a type error, and refused at run time).',
  '',
);
for (const s of sections) {
  w(`### ${s}`, '');
  for (const m of methods.filter((x) => x.section === s)) renderMethod(m);
}

// Transaction.
w('## The Transaction object', '');
const txClass = findClass(SOURCES.transaction, 'Transaction');
const txSf = parse(SOURCES.transaction);
const txDoc = jsDoc(txClass) || fileDoc(txSf);
if (txDoc) w(txDoc, '');
w(
  'Received by the callback of [`db.transaction(scope, fn)`](#transaction). It has every [domain method](#domain-methods) with the same arguments and results, run on the transaction’s reserved connection, and the members below. Differences from the same call on `db`:',
  '',
  '- A call that routes to another source than `tx.source` (by `chatId`, by `dataSource`, or a system-wide write when the transaction is not on the default source) is refused with `CROSS_SOURCE_TRANSACTION`; the refusal rolls the transaction back only if it propagates out of `fn`.',
  '- Cross-chat reads (`getUserChats`, `getAllGroupChats`, `getSpamMessages`, `getSpamMessagesByText`) cover `tx.source` only.',
  '- Writes to a readonly source are still refused with `READONLY_SOURCE`; a transaction on a readonly source is read-only.',
  '- After `fn` settles, every call through `tx` fails with `TRANSACTION_ENDED`: await each call inside `fn`.',
  '',
);
for (const m of txClass.members) {
  if (!isPublic(m) || ts.isConstructorDeclaration(m) || !m.name) continue;
  const name = m.name.getText();
  w(`### tx.${name}`, '');
  w('```ts', signature(m), '```', '');
  const doc = jsDoc(m);
  if (doc) w(doc, '');
  if (name === 'query') {
    w(
      'Runs the statement on the transaction’s connection and returns its rows, as the engine returns them (unconverted, as `db.query`), and sees the transaction’s uncommitted writes. A statement that would write (`INSERT`/`UPDATE`/`DELETE`, ...) is refused with `INVALID_ARGUMENT` before it runs. Make writes through the domain methods, or `tx.execute` for the bot’s own tables.',
      '',
    );
  }
}
w(
  '```ts',
  [
    'const count = await db.transaction({ chatId: -100123 }, async (tx) => {',
    "  await tx.updateChatUser({ chatId: -100123, userId: 42, username: '@ann', fullName: 'Ann' });",
    "  await tx.saveChatMessage({ date: new Date(), chatId: -100123, userId: 42, messageId: 8, messageText: 'hello' });",
    '  return (await tx.getChatUser({ chatId: -100123, userId: 42 }))?.messages_count;',
    '}); // committed here; a throw inside rolls everything back',
  ].join('\n'),
  '```',
  '',
);

// Rows.
w('## Rows', '');
w('Column names and order follow the bot’s tables. Nullable columns are typed `| null`.', '');
for (const name of ROW_TYPES) {
  const { node } = decl(name);
  if (!ts.isInterfaceDeclaration(node)) continue;
  w(`### ${name}`, '');
  const doc = jsDoc(node);
  if (doc) w(doc, '');
  const usedBy = methods
    .filter((m) => referencedNames(m.node.type).includes(name))
    .map((m) => `[${m.name}](#${slug(m.name)})`);
  w(`Returned by ${usedBy.join(', ')}.`, '');
  w(membersTable(name, { firstHeader: 'Column' }), '');
}

// Types and enumerations.
w('## Argument types and enumerations', '');
w(
  'Exported from `@pkg/core` (`types.ts`). Each enumeration is also exported as a constant array (e.g. `MESSAGE_TYPES`).',
  '',
);
const typesSf = parse(typesRel);
for (const stmt of typesSf.statements) {
  if (!ts.isTypeAliasDeclaration(stmt)) continue;
  const name = stmt.name.text;
  w(`### ${name}`, '');
  w('```ts', `type ${name} = ${text(stmt.type)};`, '```', '');
  const doc = jsDoc(stmt);
  if (doc) w(doc, '');
  const m = /^\(typeof (\w+)\)\[number\]/.exec(text(stmt.type));
  if (m) w(`Values (\`${m[1]}\`): ${constValues(m[1]).map(code).join(', ')}.`, '');
}
w('### ReadOptions', '');
w(membersTable('ReadOptions'), '');
const argIfaces = typesSf.statements
  .filter((s) => ts.isInterfaceDeclaration(s) && !ROW_TYPES.includes(s.name.text) && s.name.text !== 'ReadOptions')
  .map((s) => s.name.text);
w(`The argument interfaces (${argIfaces.map(code).join(', ')}) are expanded under each method above.`, '');

// Other exports.
w('## Other exports', '');
w('`@pkg/core` also exports:', '');
const indexSf = parse(SOURCES.index);
const exported = [];
for (const stmt of indexSf.statements) {
  if (!ts.isExportDeclaration(stmt)) continue;
  const from = stmt.moduleSpecifier ? stmt.moduleSpecifier.text : '';
  if (stmt.exportClause && ts.isNamedExports(stmt.exportClause)) {
    for (const e of stmt.exportClause.elements)
      exported.push({ name: e.name.text, from, type: e.isTypeOnly || stmt.isTypeOnly });
  } else {
    exported.push({ name: '*', from });
  }
}
const errorClasses = parse(SOURCES.errors)
  .statements.filter((s) => ts.isClassDeclaration(s) && s.name)
  .map((s) => s.name.text);
w(
  table(
    ['Export', 'From', 'What'],
    [
      ...exported
        .filter((e) => e.name !== '*' && !['DatabaseWrapper', 'Transaction'].includes(e.name))
        .map((e) => [code(e.name), code(e.from), describeExport(e)]),
      [
        errorClasses.map(code).join(', '),
        code('@pkg/errors'),
        'Error classes, one per code; plus `ERROR_CODES`, `ErrorCode`, `ConfigIssue`, `SerializedError`, `reviveError`. See [troubleshooting.md](troubleshooting.md).',
      ],
      [
        'every export of `types.ts`',
        code('./types.js'),
        'Rows, argument interfaces, enumerations and their constant arrays (above).',
      ],
    ],
  ),
  '',
);

function describeExport(e) {
  const known = {
    SourceStats:
      'The broker’s counters of one source; `db.stats()` adds `RoutingStats`, `errorsByCode` and `state` to each.',
    RoutingStats:
      '`{ fallbackReads, skippedReads }` per source in `db.stats()`: reads the default source answered instead of this one, and cross-source reads that left it out.',
    CrossSourceRows:
      'What `getUserChats` / `getAllGroupChats` resolve to: the rows, plus a non-enumerable `sources: CrossSourceReport`.',
    CrossSourceReport: '`{ answered: string[], skipped: SkippedSource[] }`: which sources a cross-source read covered.',
    SkippedSource: '`{ source, code, message }`: a source a cross-source read left out, and its error code.',
    DatabaseConfig: 'The normalised configuration (`db.config`).',
    VERSION_KEY: 'The `settings` key the bot keeps its schema version under (`"db-migration-version"`).',
    V6_TABLES: 'The tables every version-6 bot database has (a file missing one is not a bot database).',
    DatabaseConfigInput: 'The configuration accepted in code (`new DatabaseWrapper({ config })`).',
    loadConfig: 'Finds and reads the configuration file; see [configuration.md](configuration.md).',
    DatabaseWrapperOptions: 'Constructor options: `LegacyOptions | MultiSourceOptions`.',
    LegacyOptions: 'Constructor options with `dbPath`.',
    MultiSourceOptions: 'Constructor options with `config`.',
    Logger:
      'A pino logger or `{ debug?, info?, warn, error? }`, each `(fields, message)`, for the constructor’s `logger`.',
    LogFields: 'The structured fields of a log line: `{ event, source?, chatId?, operation?, code?, ... }`.',
    LogMethod: '`(fields: LogFields, message: string) => void`.',
    ConfigWatcher: 'What `db.watchConfig` returns: `{ file, close() }`.',
    WatchConfigOptions: '`{ debounceMs?, settleMs?, maxSettleMs? }` for `db.watchConfig`.',
    DatabaseSourceStats: 'One source in `db.stats()`: `SourceStats`, `RoutingStats`, `errorsByCode` and `state`.',
    ReconfigureResult: 'What `db.reconfigure` resolves with: `{ added, removed, replaced }` source names.',
    ReconfigureOptions: '`{ allowDroppingMappedSources? }`, the second argument of `db.reconfigure`.',
    TransactionScope: 'First argument of `db.transaction`.',
    RouteDecision: 'Result of `db.routeFor`.',
    RouteReason:
      "`'dataSource' | 'chatMapping' | 'placement' | 'hash' | 'system' | 'cache' | 'default' | 'fallback'` (`fallback`: the dataSource named no configured source; `placement`: a recorded move; `hash`: the default shard group's hash).",
    validateDatabaseConfig:
      '`validateDatabaseConfig(input, { baseDir? })`: validates and normalises a configuration written in code; resolves `{ config, warnings }` or throws `CONFIG_INVALID`.',
    PlacementLookup:
      '`(chatId) => string | undefined`: the recorded placement of a moved chat, from memory (the placement cache); the Router consults it after chatMapping.',
    RouterOptions: '`{ placementOf?: PlacementLookup }`, the third argument of `new Router`.',
    CACHE_OPERATIONS: 'The cache operations, routed to `[database] cache` when set, else to the system source.',
    SYSTEM_OPERATIONS: 'The system-wide operations (settings, media, delayed tasks), routed to the system source.',
    cacheSourceOf: '`cacheSourceOf(config)`: the source the cache operations go to.',
    systemSourceOf: '`systemSourceOf(config)`: the source of system-wide data (`config.system`).',
    describeRoute: '`describeRoute(decision)`: the decision in words, e.g. `shard s2 of group chats (hash)`.',
    RendezvousGroup:
      '`new RendezvousGroup(sources).pick(chatId)`: the shard hash on its own ([configuration.md](configuration.md#shard-groups)).',
    moveChatOnline:
      'The online chat move from any process (`db.moveChat`, `botdb move --online`, `botdb shards apply`): `moveChatOnline({ config, chatId, to, keepOld?, drainMs?, onProgress? })`; see [operations.md](operations.md#moving-a-chat-while-the-bot-runs).',
    readPlacements:
      'Every recorded placement (`Map<chatId, PlacementRow>`) from the system source; empty when no chat was moved online.',
    MoveChatOnline: 'The type of `moveChatOnline`.',
    MoveChatOnlineOptions: '`MoveChatOptions` plus `config` (and the in-process `hooks`).',
    MoveChatOptions: 'The argument of `db.moveChat`.',
    MoveChatResult: 'What a move resolves with: `{ chatId, from, to, epoch, rows, removedOld, outcome }`.',
    MoveHooks: "How the running wrapper holds and releases a chat's writes for a move's final step.",
    MoveProgress: '`{ chatId, step, from, to, rows? }`, given to `onProgress`.',
    MoveStep: 'The steps of an online move, in order.',
    PlacementRow: 'One row of `botdb_chat_placement`: `{ chatId, source, state, target, previous, epoch }`.',
    ReadPlacements: 'The type of `readPlacements`.',
    ShardFigures: '`{ group, chats, rows, measuredAt }`: one shard in `db.shardStats()` and `db.stats()[shard].shard`.',
    RouteRequest:
      'Argument of `Router.route` / `explain` and `db.routeFor` (`operation` only names the call in a refusal).',
    Router:
      'The routing rules on their own: `new Router(config, onUnknownSource?, { placementOf? })`, `route(req)`, `explain(req)`, `ownerOf(chatId)`, `targetOf(chatId)`, `groupOf(source)`, `isReadonly(source)`, `sourceNames`, `systemSource`, `cacheSource`.',
    SCHEMA_VERSION: 'The schema version this library creates and writes (6).',
    MAX_LIMIT: 'The largest `limit` any method accepts (100000); see [arguments.md](arguments.md).',
    migratePostgresV6:
      '`migratePostgresV6(sql, { source, where })`: creates the v6 schema in the `postgres` client’s current schema under an advisory lock (what a writable PostgreSQL source does on open; `botdb move` uses it for a new destination). Resolves `created` or `unchanged`.',
    PG_INT8_EXACT:
      'The `postgres` driver’s BIGINT parser the library uses: exact numbers, refused (never rounded) beyond ±2^53-1. `postgres(url, { types: { bigint: PG_INT8_EXACT } })`.',
    PG_SCHEMA_VERSION: 'The schema version of the PostgreSQL DDL (6, the bot’s).',
    postgresLocation:
      '`postgresLocation(url, schema)`: where a PostgreSQL source lives as the library’s messages name it (the URL without its password, and the schema).',
    urlWithoutPassword:
      '`urlWithoutPassword(url)`: a connection URL as it may be shown or logged, its password removed.',
  };
  if (!(e.name in known)) fail(`describe the export ${e.name} in describeExport`);
  return known[e.name];
}

// ---- write or check -----------------------------------------------------------------------

const markdown = `${out
  .join('\n')
  .replace(/\n{3,}/g, '\n\n')
  .trimEnd()}\n`;
const target = path.join(ROOT, OUT);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== markdown) {
    console.error(`${OUT} is out of date: run \`pnpm docs:api\` (node scripts/gen-api-docs.mjs).`);
    process.exit(1);
  }
  console.log(`${OUT} is up to date.`);
} else {
  writeFileSync(target, markdown);
  console.log(
    `wrote ${OUT}: ${methods.length} domain methods, ${WRAPPER_ORDER.length} wrapper members, ${ROW_TYPES.length} row types.`,
  );
}
