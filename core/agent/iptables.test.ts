import { canonicalRule } from "./iptables";

describe("canonicalRule", () => {
  it("equates a rule as written with iptables-save's printing of it", () => {
    const written =
      '-A secgroups-input -p udp -s 10.0.0.0/8 -m multiport --dports 53,1000:2000 -m comment --comment "sec_grp_x:30" -j ACCEPT';
    const saved = "-A secgroups-input -s 10.0.0.0/8 -p udp -m multiport --dports 53,1000:2000 -m comment --comment sec_grp_x:30 -j ACCEPT";
    expect(canonicalRule(saved)).toEqual(canonicalRule(written));
    expect(canonicalRule("-A secgroups-output -p gre -d 10.0.0.0/8 -j DROP")).toEqual(
      canonicalRule("-A secgroups-output -p 47 -d 10.0.0.0/8 -j DROP"),
    );
  });

  it("tells apart rules that differ in a match or the target", () => {
    const base = canonicalRule("-A secgroups-input -p tcp -m tcp --dport 8080 -j ACCEPT");
    expect(canonicalRule("-A secgroups-input -p tcp -m tcp --dport 8081 -j ACCEPT")).not.toEqual(base);
    expect(canonicalRule("-A secgroups-input -p tcp -m tcp --dport 8080 -j DROP")).not.toEqual(base);
    expect(canonicalRule('-A secgroups-output -p tcp -m tcp --dport 443 -j LOG --log-prefix "sg a "').rule).toBe(
      "-m tcp --dport 443 -p 6 -j LOG --log-prefix sg a ",
    );
  });
});
