// Regenerates src/gen from proto/ and fails when the committed code differs (stale generated code).
import { execFileSync } from 'node:child_process';

execFileSync('npx', ['--no-install', 'buf', 'generate'], { stdio: 'inherit' });
const diff = execFileSync('git', ['status', '--porcelain', '--', 'src/gen'], { encoding: 'utf8' });
if (diff.trim() !== '') {
  console.error(`generated code is stale; run "npm run gen" and commit:\n${diff}`);
  process.exit(1);
}
console.log('src/gen is fresh');
