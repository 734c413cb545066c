/**
 * A private CA made with openssl for TLS tests: a CA certificate and a server certificate it
 * signed for the given IP addresses (subjectAltName), as an operator's internal PKI would issue.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface PrivateCa {
  caCert: string;
  serverCert: string;
  serverKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
}

export function createPrivateCa(dir: string, ipAddresses: string[]): PrivateCa {
  const p = (name: string) => join(dir, name);
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=secgroups test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  ]);
  openssl(dir, [
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    p("server.key"),
    "-out",
    p("server.csr"),
    "-subj",
    "/CN=secgroups control plane",
  ]);
  writeFileSync(p("server.ext"), `subjectAltName=${ipAddresses.map((a) => `IP:${a}`).join(",")}\nextendedKeyUsage=serverAuth\n`);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    p("server.csr"),
    "-CA",
    p("ca.pem"),
    "-CAkey",
    p("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    p("server.ext"),
    "-out",
    p("server.pem"),
  ]);
  return { caCert: p("ca.pem"), serverCert: p("server.pem"), serverKey: p("server.key") };
}
