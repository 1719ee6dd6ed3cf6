// Real node-postgres as a test oracle: how pg reads connection strings.
//
//   NODE_PATH=$ORACLES/node/node_modules node node-postgres.js < cases.json
//
// Input: a JSON list of {"input": STRING, "env": {VAR: VALUE}}. Output: a JSON
// list, one answer per case: {"parse": {...} | null, "params": {...} | null,
// "error": STRING | null}. "parse" is pg-connection-string's parse() (the ssl
// object summarised: false, true, "verify" for {}, "no-verify" for
// rejectUnauthorized=false, "no-name-check" for a no-op checkServerIdentity);
// "params" is what pg's Client connects with (host, port, user, database,
// password set or not, ssl summarised the same way, sslnegotiation).
'use strict'
const { parse } = require('pg-connection-string')
const ConnectionParameters = require('pg/lib/connection-parameters')

function ssl(value) {
  if (value === undefined) return null
  if (typeof value === 'boolean') return value
  if (typeof value === 'string') return value
  if (value.rejectUnauthorized === false) return 'no-verify'
  if (typeof value.checkServerIdentity === 'function') return 'no-name-check'
  return 'verify'
}

const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'))
const base = Object.assign({}, process.env)
const answers = cases.map((c) => {
  for (const k of Object.keys(process.env)) delete process.env[k]
  for (const [k, v] of Object.entries(base)) if (!k.startsWith('PG')) process.env[k] = v
  Object.assign(process.env, c.env || {})
  const answer = { parse: null, params: null, error: null }
  try {
    const p = parse(c.input)
    answer.parse = Object.assign({}, p, { ssl: ssl(p.ssl) })
    const cp = new ConnectionParameters(c.input)
    answer.params = {
      host: cp.host,
      port: Number.isNaN(cp.port) ? 'NaN' : cp.port,
      user: cp.user,
      database: cp.database,
      password: cp.password !== null && cp.password !== undefined && cp.password !== '',
      ssl: ssl(cp.ssl),
      sslnegotiation: cp.sslnegotiation === undefined ? null : cp.sslnegotiation,
    }
  } catch (e) {
    answer.error = String(e && e.message)
  }
  return answer
})
process.stdout.write(JSON.stringify(answers))
