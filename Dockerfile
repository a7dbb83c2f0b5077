# The Whisper relay as a container (docs/RELAY.md "Docker"). Built from the registry packages in
# package-lock.json; runs as the image's unprivileged `node` user with its data folder on a volume.
#   docker build -t whisper-relay .
#   docker run -d --name relay -p 9090:9090 -v whisper-relay:/var/lib/whisper-relay whisper-relay \
#     --announce /dns4/relay.example.org/tcp/443/wss
# test/relay/production-install.test.ts performs these steps in a clean folder (this machine has no docker).
FROM node:24-bookworm-slim

ENV NODE_ENV=production
WORKDIR /opt/whisper

# Dependencies first, so code changes reuse this layer. --ignore-scripts: the image's Node 24 runs the
# relay, so the `node` package need not fetch another, and no other package has a script it needs.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

COPY relay ./relay
COPY src ./src

RUN mkdir -p /var/lib/whisper-relay && chown node:node /var/lib/whisper-relay
USER node
VOLUME ["/var/lib/whisper-relay"]

# libp2p WebSockets (browsers and relays). The RPC (8545) and the metrics port (9100) stay on the
# container's loopback: reach them with `docker exec`, or a scraper sharing the network namespace.
EXPOSE 9090

# 200 only while the relay serves and its store accepts writes (relay/monitor.ts).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9100/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM (docker stop) is a clean stop; SIGHUP reloads --tls-cert / --tls-key.
ENTRYPOINT ["node", "relay/main.ts", "--data", "/var/lib/whisper-relay", "--metrics-port", "9100"]
CMD ["--host", "0.0.0.0", "--port", "9090"]
