// The least a Node ESM bin can do for `--version`: a floor for the bench, not backup-alert.
process.stdout.write('0.1.0\n');
