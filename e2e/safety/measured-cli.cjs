// Runs the built CLI (packages/cli/dist/bin.js) and, when it exits, writes its own resource usage
// (peak RSS, CPU time) to the file named by COLLABOPT_USAGE_FILE: the child's resourceUsage().
const { writeFileSync } = require('node:fs');
const path = require('node:path');

const usageFile = process.env.COLLABOPT_USAGE_FILE;
if (usageFile) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(
      usageFile,
      JSON.stringify({
        maxRssBytes: u.maxRSS * 1024,
        cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000,
      }),
    );
  });
}
require(path.join(__dirname, '../../packages/cli/dist/bin.js'));
