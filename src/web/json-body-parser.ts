/**
 * The JSON body parser of the web server: fastify's own (its prototype-poisoning checks, its
 * errors for malformed JSON), except that a DELETE may send `Content-Type: application/json` with
 * no body, as many HTTP clients do (`curl -X DELETE -H 'Content-Type: application/json'`). Fastify's
 * default answers that with 400 "Body cannot be empty"; Airflow's API accepts it. POST, PATCH and
 * PUT with an empty JSON body stay a 400.
 */
import type { FastifyInstance } from 'fastify';

/** Replaces the `application/json` parser of `app` with fastify's default that lets a DELETE be empty. */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    // parseAs 'string': the body is a string
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (req.method === 'DELETE' && text.trim() === '') {
      done(null, undefined);
      return;
    }
    void defaultJson(req, text, done);
  });
}
