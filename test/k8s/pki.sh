#!/usr/bin/env bash
# pki.sh DIR: a throw-away CA, the apiserver's serving cert, one client cert per component and
# the service-account key pair (openssl only; no kubeadm), plus kubeconfigs in DIR/etc.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"
dir=$1
api=https://$NODE_IP:6443
mkdir -p "$dir/pki" "$dir/etc"
cd "$dir/pki"
umask 077
openssl genrsa -out ca.key 2048 2>/dev/null
openssl req -x509 -new -key ca.key -subj /CN=slim-dask-ci-ca -days 7 -out ca.crt \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature
sign() { # NAME SUBJECT EXTENSIONS
  openssl genrsa -out "$1.key" 2048 2>/dev/null
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  printf '%b' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 7 -out "$1.crt" -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
client='basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n'
svc_ip=${SERVICE_CIDR%.*}.1
sign apiserver /CN=kube-apiserver "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:$svc_ip,IP:$NODE_IP\n"
sign kubelet-server "/CN=$NODE_NAME" "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:$NODE_NAME,IP:$NODE_IP\n"
# The chart repository's serving cert (test/k8s/chart-repo): helm verifies it with ca.crt.
sign chart-repo /CN=slim-dask-ci-charts "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:$NODE_IP\n"
sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
sign admin "/O=system:masters/CN=kubernetes-admin" "$client"
sign controller-manager "/CN=system:kube-controller-manager" "$client"
sign scheduler "/CN=system:kube-scheduler" "$client"
sign kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "$client"
sign kube-proxy "/CN=system:kube-proxy" "$client"
openssl genrsa -out sa.key 2048 2>/dev/null
openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
b64() { base64 -w0 <"$1"; }
for n in admin controller-manager scheduler kubelet kube-proxy; do
  cat >"$dir/etc/$n.conf" <<KC
apiVersion: v1
kind: Config
clusters:
- name: slim-dask-ci
  cluster:
    server: $api
    certificate-authority-data: $(b64 ca.crt)
users:
- name: $n
  user:
    client-certificate-data: $(b64 "$n.crt")
    client-key-data: $(b64 "$n.key")
contexts:
- name: $n
  context: {cluster: slim-dask-ci, user: $n}
current-context: $n
KC
done
