# One image for both production roles: `api` (default) and `worker`.
#   docker build -t alatar .
#   docker run -e DATABASE_URL=… -e JWT_SECRET=… -e ALATAR_ENCRYPTION_KEYS=… -e APP_URL=… alatar api
FROM denoland/deno:2.9.6

WORKDIR /app
ENV DENO_DIR=/deno-dir APP_ENV=production PORT=8000

# Dependencies first, so a code change does not re-download them.
COPY deno.json deno.lock ./
COPY dashboard/client/deno.json dashboard/client/
RUN deno install --frozen

COPY . .
# The dashboard's script is bundled here: the running process may not start `deno bundle`.
RUN deno cache --frozen main.ts \
  && deno run -A dashboard/bundle.ts \
  && chown -R deno:deno /app /deno-dir

USER deno
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD deno eval "const r = await fetch('http://127.0.0.1:' + (Deno.env.get('PORT') ?? '8000') + '/healthz'); Deno.exit(r.ok ? 0 : 1)"
# Least privilege: no subprocesses (the embedded Postgres is for development only), no FFI.
ENTRYPOINT ["deno", "run", "--frozen", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", "main.ts"]
CMD ["api"]
