import t from 'tap';
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
