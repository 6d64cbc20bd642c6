// Input checks for the API. Each returns { value } or { details: [{ field, message }] }.

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MAX_QUERY_LENGTH = 500;
export const MAX_HOURS = 720;

export function validateNewTask(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { details: [{ field: 'body', message: 'must be a JSON object' }] };
  }
  const { userEmail, baseUrl, userQuery } = body;
  const details = [];

  if (typeof userEmail !== 'string' || userEmail.length > 254 || !EMAIL.test(userEmail.trim())) {
    details.push({ field: 'userEmail', message: 'must be an email address' });
  }

  let url;
  if (typeof baseUrl === 'string' && baseUrl.length <= 2048) {
    try {
      url = new URL(baseUrl.trim());
    } catch {
      // reported below
    }
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    details.push({ field: 'baseUrl', message: 'must be an http(s) URL' });
  }

  const query = typeof userQuery === 'string' ? userQuery.trim() : '';
  if (query.length === 0 || query.length > MAX_QUERY_LENGTH) {
    details.push({ field: 'userQuery', message: `must be a non-empty string of at most ${MAX_QUERY_LENGTH} characters` });
  }

  if (details.length > 0) return { details };
  return { value: { userEmail: userEmail.trim(), baseUrl: url.href, userQuery: query } };
}

/** Task ids are positive decimal integers; whether one fits the column is PostgreSQL's call. */
export function validateTaskId(raw) {
  if (typeof raw !== 'string' || !/^[1-9]\d*$/.test(raw)) {
    return { details: [{ field: 'id', message: 'must be a positive integer' }] };
  }
  return { value: raw };
}

export function validateHours(raw) {
  if (raw === undefined) return { value: 24 };
  const hours = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_HOURS) {
    return { details: [{ field: 'hours', message: `must be an integer from 1 to ${MAX_HOURS}` }] };
  }
  return { value: hours };
}
