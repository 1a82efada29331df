/**
 * nginx as a reference proxy: one worker process, keep-alive connections to the upstream
 * (the `keepalive` cache holds all 64), HTTP/1.1 upstream, X-Forwarded-For appended, the
 * access log on (buffered, to a file), and every path nginx would write (pid, logs, temp
 * files) inside the benchmark's temp folder. keepalive_requests is raised both ways: nginx
 * otherwise closes a connection every 1000 requests, which Node's servers and undici do not.
 * Runs as the current user (`user root` only when that is root: nginx would switch to nobody,
 * who cannot write the temp folder).
 */
import { spawnSync } from "node:child_process";

export function findNginx(): string | undefined {
  for (const candidate of ["nginx", "/usr/sbin/nginx", "/usr/local/sbin/nginx"]) {
    const probe = spawnSync(candidate, ["-v"], { encoding: "utf8" });
    if (probe.error === undefined) return candidate;
  }
  return undefined;
}

export function nginxVersion(binary: string): string {
  const probe = spawnSync(binary, ["-v"], { encoding: "utf8" });
  return /nginx\/(\S+)/.exec(`${probe.stderr}${probe.stdout}`)?.[1] ?? "unknown";
}

export function nginxConf(dir: string, upstream: string, port: number): string {
  const asRoot = process.getuid?.() === 0;
  return `# written by gateway/bench/nginx-conf.ts
${asRoot ? "user root;" : ""}
worker_processes 1;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log ${dir}/nginx-access.log combined buffer=64k flush=1s;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 10000000;
  upstream bench_upstream {
    server ${upstream};
    keepalive 64;
    keepalive_requests 10000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
}
