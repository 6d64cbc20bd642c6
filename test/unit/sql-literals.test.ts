import t from 'tap';
import { withoutQuotedValues } from '../../sdk/redaction.js';
import { withoutLiterals } from '../../sdk/sql-literals.js';

t.test('literals become ?, the statement shape stays', async (t) => {
  const rows: [string, string][] = [
    ["SELECT * FROM users WHERE email = 'a@b.c'", 'SELECT * FROM users WHERE email = ?'],
    ["SELECT * FROM users WHERE email = $1 AND id = 42", 'SELECT * FROM users WHERE email = $1 AND id = ?'],
    ["UPDATE t SET note = 'it''s mine', score = -3.5e2 WHERE id IN (1, 2, 3)", 'UPDATE t SET note = ?, score = -? WHERE id IN (?, ?, ?)'],
    ["INSERT INTO t2 (a, \"Weird Col 9\") VALUES (E'line\\n', X'1F')", 'INSERT INTO t2 (a, "Weird Col 9") VALUES (?, ?)'],
    ['SELECT $$secret body$$, $tag$more $$ secret$tag$ FROM t', 'SELECT ?, ? FROM t'],
    ['SELECT col1, t1.c2 FROM table_1 t1 -- note 5\nLIMIT 10', 'SELECT col1, t1.c2 FROM table_1 t1 -- note 5\nLIMIT ?'],
    ["SELECT 'unterminated", 'SELECT ?'],
    ['SELECT now()', 'SELECT now()'],
    ['', ''],
  ];
  for (const [sql, expected] of rows) t.equal(withoutLiterals(sql), expected, sql);
});

t.test('database error messages lose the values PostgreSQL quotes in them', async (t) => {
  const rows: [string, string][] = [
    ['invalid input syntax for type integer: "hunter2"', 'invalid input syntax for type integer: "?"'],
    ['value "99999999999" is out of range for type integer', 'value "?" is out of range for type integer'],
    ['invalid input syntax for type uuid: "a""b"', 'invalid input syntax for type uuid: "?"'],
    ['connect ECONNREFUSED 127.0.0.1:5432', 'connect ECONNREFUSED 127.0.0.1:5432'],
  ];
  for (const [message, expected] of rows) t.equal(withoutQuotedValues(message), expected, message);
});
