// Preloaded with `node --import` into `backup-alert serve` by the bench: times
// every request the process's HTTP server handles, from the 'request' event to
// the response's 'finish' (handing the last byte to the kernel), by path. A
// request for /__bench/timings is answered here (never reaching the app) with
// the times, the CPU time and RSS since the last such request, then resets.
// It is the server time the target speaks of: queueing in the kernel
// and in the load generator is not in it.
import http from 'node:http';

const original = http.Server.prototype.emit;
let timings = new Map();
let cpu = process.cpuUsage();

http.Server.prototype.emit = function emit(event, ...args) {
  if (event !== 'request') return original.call(this, event, ...args);
  const [request, response] = args;
  const path = (request.url ?? '/').split('?')[0];
  if (path === '/__bench/timings') {
    const used = process.cpuUsage(cpu);
    const body = JSON.stringify({
      timings: Object.fromEntries(timings),
      cpuMs: (used.user + used.system) / 1000,
      rssMiB: process.memoryUsage().rss / 1048576,
      // Where the RSS is: the JavaScript heap, or memory outside it (buffers, native).
      heapUsedMiB: process.memoryUsage().heapUsed / 1048576,
      externalMiB: process.memoryUsage().external / 1048576,
    });
    timings = new Map();
    cpu = process.cpuUsage();
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return true;
  }
  const started = process.hrtime.bigint();
  response.once('finish', () => {
    const list = timings.get(path) ?? [];
    list.push(Number(process.hrtime.bigint() - started) / 1e6);
    timings.set(path, list);
  });
  return original.call(this, event, ...args);
};
