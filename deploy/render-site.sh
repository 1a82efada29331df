#!/bin/sh
# deploy/render-site.sh SITE_ENV [ROOT]: renders one site's configuration from its
# environment file (deploy/sites/<site>.env) into ROOT (default /):
#   ROOT/etc/gateway/gateway.yaml      the gateway's boot config
#   ROOT/etc/gateway/site.env          the environment itself (the systemd unit reads it)
#   ROOT/etc/exabgp/exabgp.conf        the site's BGP speaker, running the announcer
#   ROOT/etc/consul.d/gateway.json     the gateway's Consul service and checks
#   ROOT/etc/consul.d/backend.json     one backend instance's (render per backend host)
#   ROOT/etc/consul.d/gateway-metrics.json   the metrics proxy, as Prometheus finds it
#   ROOT/etc/nginx/conf.d/gateway-metrics.conf  the metrics proxy: only GET /metrics, off loopback
#   ROOT/etc/gateway/consul-acl-gateway.hcl  the ACL policy of this site's gateway token
#                                      (apply with `consul acl policy create`; not agent config)
# Only the variables named below are substituted; an unset one is an error.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
env_file=${1:?usage: render-site.sh SITE_ENV [ROOT]}
root=${2:-/}
vars='GATEWAY_SITE ANYCAST_VIP CONSUL_DATACENTER FLEET_CONTROL_DATACENTERS BACKEND_SERVICE BACKEND_PORT
BGP_LOCAL_AS BGP_LOCAL_ADDRESS BGP_ROUTER_ADDRESS BGP_ROUTER_AS BGP_HOLD_TIME_S
ANNOUNCE_INTERVAL_MS ANNOUNCE_RISE ANNOUNCE_HOLD_DOWN_MS ANNOUNCE_DEPREFER
MANAGEMENT_ADDRESS METRICS_PORT MONITORING_NETWORK'
set -a
. "$env_file"
set +a
list=""
for var in $vars; do
  eval "value=\${$var-}"
  [ -n "$value" ] || { echo "render-site.sh: $var is not set in $env_file" >&2; exit 1; }
  list="$list \${$var}"
done
render() { mkdir -p "$(dirname "$2")"; envsubst "$list" < "$1" > "$2"; }
render "$here/templates/gateway.yaml.tmpl" "$root/etc/gateway/gateway.yaml"
render "$here/templates/exabgp.conf.tmpl" "$root/etc/exabgp/exabgp.conf"
render "$here/consul/gateway.json.tmpl" "$root/etc/consul.d/gateway.json"
render "$here/consul/backend.json.tmpl" "$root/etc/consul.d/backend.json"
render "$here/consul/gateway-metrics.json.tmpl" "$root/etc/consul.d/gateway-metrics.json"
render "$here/templates/metrics-proxy.nginx.conf.tmpl" "$root/etc/nginx/conf.d/gateway-metrics.conf"
render "$here/consul/acl-gateway.hcl.tmpl" "$root/etc/gateway/consul-acl-gateway.hcl"
cp "$env_file" "$root/etc/gateway/site.env"
echo "rendered $GATEWAY_SITE into $root"
