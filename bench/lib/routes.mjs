// The routes under load.
export const helloRequest = { method: 'GET', path: '/', status: 200 };
export const fastifyRequest = { method: 'GET', path: '/users/42', status: 200 };
export const readRequest = { method: 'GET', path: '/orders/7', status: 200 };

export const dbRequest = {
  method: 'POST',
  path: '/api/tasks',
  status: 201,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ userEmail: 'ada@example.org', baseUrl: 'https://example.org', userQuery: 'tracing overhead' }),
};
