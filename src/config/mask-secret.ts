/**
 * Masking of secrets in configuration error messages: a bad value is echoed so its owner can see
 * what was read, but never a password inside a connection string nor the value of a secret
 * variable (tokens, passwords, keys).
 */

/** Names of variables whose whole value is a secret (`HEATFLOW_WEB_TOKEN`, `TADO_PASSWORD`, …). */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|FERNET_KEY)$/i;

/**
 * Whether a variable's whole value is a secret, judged by its name.
 * @param name - environment variable name, e.g. `HEATFLOW_WEB_TOKEN`
 */
export function isSecretVariable(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * The password of every `scheme://user:password@host` in `value` replaced by `***`, also in
 * strings that are not valid URLs (which `new URL` would refuse to parse, the very case of a
 * configuration error). A user name alone (`postgres://postgres@host`) is kept.
 * @param value - any text, e.g. a connection string
 */
export function maskUrlPassword(value: string): string {
  // From the ":" after the user name to the last "@" of the value: a password may hold "/", "@" or
  // spaces in a malformed URL; masking too much is harmless, too little is not.
  // and a password given as a query parameter (libpq's `?password=`, `sslpassword=`)
  return value
    .replace(/(\/\/[^/@:]*):.*@/g, '$1:***@')
    .replace(/([?&](?:ssl)?(?:password|passwd|pwd)=)[^&#\s]*/gi, '$1***');
}

/**
 * How a variable's value may be shown in an error: a secret variable's value as
 * `(hidden, N characters)`, any other value with connection-string passwords masked.
 * @param name - the variable's name
 * @param value - what was read
 */
export function displayValue(name: string, value: string): string {
  if (isSecretVariable(name)) return `(hidden, ${value.length} characters)`;
  return JSON.stringify(maskUrlPassword(value));
}
