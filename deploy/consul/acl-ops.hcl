# ACL policy of the operators' tokens: the only ones that write the fleet's place of record —
# overrides (drain, compromise, restore), the policy, site entries, the audit history, the
# sentinel. Send the token to any gateway's admin API as X-Consul-Token:
#   curl -X POST -H "X-Consul-Token: $OPS_TOKEN" -H 'X-Ops-User: alice' \
#     '127.0.0.1:9090/sites/znz/compromise?why=keys%20leaked'
# Create it once, in the primary datacenter:
#   consul acl policy create -name gateway-ops -rules @deploy/consul/acl-ops.hcl
key_prefix "gateway/" {
  policy = "write"
}
