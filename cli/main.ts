// `dialplane <command>`: the operator's entry point. Each command lives in cli/commands/ and is
// loaded on demand, so `check` does not start uWebSockets.js and `serve` does not load TypeScript.

const USAGE = `usage: dialplane <command> [options]

commands:
  check [dir]      validate a route repository (default: routes)
                   --format human|json|github   --strict (warnings fail)   --max-diagnostics N
  build [dir] -o <outdir>   compile to <outdir>/routing.dpa + manifest.json (atomically)
                   --serial N   --revision R   --as-of TIME   --json
  inspect <file.dpa>        header and sections of an artefact   --json
  lookup --artefact <f> --customer <id> --number <digits>   the compiled answer for one call   --json
  explain --artefact <f> --to <number> (--src <ip> | --user <name>)   the decision and its trace
                   --from <cli>   --call-id <id>   --at <time>   --json
  test [dir]       run the route tests of <dir>/tests/*.yaml (default: routes)
                   --format human|junit|json   --filter <text>   --as-of <time>
  serve --artefact <f.dpa>  SIP redirect + HTTP/WebSocket API, hot reload
                   --sip 127.0.0.1:5060   --http 127.0.0.1:8080   --admin 127.0.0.1:8081 (needs --admin-token)
  diff <base> <head>        semantic routing diff; each side a git ref, a directory or an artefact
                   --format markdown|json   --routes <dir>   (exit 0 no change, 2 changes, 1 error)
  keygen [-o dir]           a minisign-format key pair (dialplane.key, dialplane.pub)
  sign <file.dpa> --key <k> [--expires 30d]   a prehashed minisign signature (<file>.minisig)
  verify <file.dpa> --pub <p> [--pub <p2>…]   signature, serial and expiry checks a node applies
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'check': return (await import('./commands/check.js')).runCheck(rest);
    case 'build': return (await import('./commands/build.js')).runBuild(rest);
    case 'inspect': return (await import('./commands/inspect.js')).runInspect(rest);
    case 'lookup': return (await import('./commands/lookup.js')).runLookup(rest);
    case 'diff': return (await import('./commands/diff.js')).runDiff(rest);
    case 'keygen': return (await import('./commands/keygen.js')).runKeygen(rest);
    case 'sign': return (await import('./commands/sign.js')).runSign(rest);
    case 'verify': return (await import('./commands/verify.js')).runVerify(rest);
    case 'explain': return (await import('./commands/explain.js')).runExplain(rest);
    case 'test': return (await import('./commands/test.js')).runTest(rest);
    case 'serve': return (await import('./commands/serve.js')).runServe(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`dialplane: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
