import t from 'tap';
import { withoutQuotedValues } from '../../sdk/spans/redaction.js';
import { dialectOf, withoutLiterals } from '../../sdk/spans/sql-literals.js';

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
    // A backslash escapes only in E'' strings; hexadecimal and binary numbers are literals.
    ["SELECT E'it\\'s hunter2', 'C:\\' AS path, 0xDEADBEEF, 0b1011 FROM t", 'SELECT ?, ? AS path, ?, ? FROM t'],
  ];
  for (const [sql, expected] of rows) t.equal(withoutLiterals(sql), expected, sql);
});

t.test('MySQL and MariaDB: double quotes, backslash escapes, backticks, hexadecimal', async (t) => {
  t.equal(dialectOf('mysql'), 'mysql');
  t.equal(dialectOf('mariadb'), 'mysql');
  t.equal(dialectOf('postgresql'), 'standard');
  t.equal(dialectOf(undefined), 'standard');
  t.equal(dialectOf('mysql2'), 'mysql', "knex's name for its MySQL driver");
  t.equal(dialectOf('redis'), undefined, 'Redis commands are not SQL');
  const rows: [string, string][] = [
    ['SELECT "alice@example.com" AS dq, \'it\\\'s hunter2\' AS bs, 0xDEADBEEF AS hx, x\'CAFE\' AS hx2', 'SELECT ? AS dq, ? AS bs, ? AS hx, ? AS hx2'],
    ["SELECT * FROM `it's a table` WHERE `col``x` = 'a\\\\' AND b = \"q\\\"uote\"", "SELECT * FROM `it's a table` WHERE `col``x` = ? AND b = ?"],
    ["SELECT 5--1, 2 -- a comment 7\nFROM t # another 8\nWHERE c = ?", 'SELECT ?--?, ? -- a comment 7\nFROM t # another 8\nWHERE c = ?'],
    ["INSERT INTO t VALUES (_utf8mb4'secret', N'also', b'0101')", 'INSERT INTO t VALUES (_utf8mb4?, ?, ?)'],
  ];
  for (const [sql, expected] of rows) t.equal(withoutLiterals(sql, 'mysql'), expected, sql);
});

t.test('database error messages lose the values the server quotes in them', async (t) => {
  const rows: [string, string][] = [
    // PostgreSQL
    ['invalid input syntax for type integer: "hunter2"', 'invalid input syntax for type integer: "?"'],
    ['value "99999999999" is out of range for type integer', 'value "?" is out of range for type integer'],
    ['invalid input syntax for type uuid: "a""b"', 'invalid input syntax for type uuid: "?"'],
    ['connect ECONNREFUSED 127.0.0.1:5432', 'connect ECONNREFUSED 127.0.0.1:5432'],
    // MySQL, SQL Server
    ["Duplicate entry 'alice@example.com' for key 'users.email'", "Duplicate entry '?' for key '?'"],
    ["Incorrect integer value: 'hunter2' for column 'id' at row 1", "Incorrect integer value: '?' for column '?' at row 1"],
    ["Data too long for column 'note' at row 1: 'it''s a secret'", "Data too long for column '?' at row 1: '?'"],
    [
      "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'WHERE password = 's3cret'' at line 1",
      "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '?' at line 1",
    ],
    ["Conversion failed when converting the varchar value 'hunter2' to data type int.", "Conversion failed when converting the varchar value '?' to data type int."],
    ["Can't connect to MySQL server on 'db.internal' (111)", "Can't connect to MySQL server on '?' (111)"],
    ["Access denied for user 'app'@'10.0.0.7' (using password: YES)", "Access denied for user '?'@'?' (using password: YES)"],
  ];
  for (const [message, expected] of rows) t.equal(withoutQuotedValues(message), expected, message);
});
