# secgroups RouterOS v7 script (host mode). Import with /import; safe to import again.
# Builds the slot that is not live, jumps to it, then removes the old slot (see docs/routeros.md).
# IPv4 (/ip firewall) and IPv6 (/ipv6 firewall) each switch slots on their own.
{
:local slot "a"
:if ([:len [/ip firewall filter find where comment="secgroups:jump:a"]] > 0) do={ :set slot "b" }
:local old "a"
:if ($slot = "a") do={ :set old "b" }
:local slot6 "a"
:if ([:len [/ipv6 firewall filter find where comment="secgroups:jump:a"]] > 0) do={ :set slot6 "b" }
:local old6 "a"
:if ($slot6 = "a") do={ :set old6 "b" }
# Leftovers of an interrupted import into this slot are not jumped to.
/ip firewall filter remove [find where comment~("^secgroups:" . $slot . ":")]
/ip firewall address-list remove [find where comment=("secgroups:" . $slot . ":list")]
/ipv6 firewall filter remove [find where comment~("^secgroups:" . $slot6 . ":")]
/ipv6 firewall address-list remove [find where comment=("secgroups:" . $slot6 . ":list")]
/ip firewall address-list add list=("sg-" . $slot . "-prfx_lst_000000000000000000000000web") address=198.51.100.0/24 comment=("secgroups:" . $slot . ":list")
/ip firewall address-list add list=("sg-" . $slot . "-sec_grp_000000000000000000000000db1") address=10.0.2.7/32 comment=("secgroups:" . $slot . ":list")
/ip firewall address-list add list=("sg-" . $slot . "-sec_grp_000000000000000000000000web") address=10.0.1.5/32 comment=("secgroups:" . $slot . ":list")
/ip firewall address-list add list=("sg-" . $slot . "-sec_grp_000000000000000000000000web") address=10.0.1.6/32 comment=("secgroups:" . $slot . ":list")
/ip firewall filter add chain=("secgroups-input-" . $slot) action=accept in-interface=lo comment=("secgroups:" . $slot . ":loopback")
/ip firewall filter add chain=("secgroups-input-" . $slot) action=accept connection-state=established,related comment=("secgroups:" . $slot . ":established")
/ip firewall filter add chain=("secgroups-input-" . $slot) action=drop connection-state=invalid comment=("secgroups:" . $slot . ":invalid")
/ip firewall filter add chain=("secgroups-input-" . $slot) action=accept protocol=tcp src-address-list=("sg-" . $slot . "-sec_grp_000000000000000000000000web") dst-port=5432 comment=("secgroups:" . $slot . ":sec_grp_000000000000000000000000db1:10")
/ip firewall filter add chain=("secgroups-input-" . $slot) action=accept protocol=udp src-address-list=("sg-" . $slot . "-sec_grp_00000000000000000000000none") dst-port=53 comment=("secgroups:" . $slot . ":sec_grp_000000000000000000000000db1:30")
/ip firewall filter add chain=("secgroups-input-" . $slot) action=accept protocol=tcp src-address-list=("sg-" . $slot . "-prfx_lst_000000000000000000000000web") dst-port=22 comment=("secgroups:" . $slot . ":sec_grp_000000000000000000000000db1:50")
/ip firewall filter add chain=("secgroups-input-" . $slot) action=accept protocol=icmp src-address-list=("sg-" . $slot . "-sec_grp_000000000000000000000000web") icmp-options=8:0-255 comment=("secgroups:" . $slot . ":sec_grp_000000000000000000000000db1:60")
/ip firewall filter add chain=("secgroups-input-" . $slot) action=drop comment=("secgroups:" . $slot . ":default")
/ip firewall filter add chain=("secgroups-output-" . $slot) action=accept out-interface=lo comment=("secgroups:" . $slot . ":loopback")
/ip firewall filter add chain=("secgroups-output-" . $slot) action=accept connection-state=established,related comment=("secgroups:" . $slot . ":established")
/ip firewall filter add chain=("secgroups-output-" . $slot) action=drop connection-state=invalid comment=("secgroups:" . $slot . ":invalid")
/ip firewall filter add chain=("secgroups-output-" . $slot) action=accept protocol=tcp dst-address-list=secgroups-control-plane comment=("secgroups:" . $slot . ":control-plane")
/ip firewall filter add chain=("secgroups-output-" . $slot) action=accept dst-address-list=("sg-" . $slot . "-sec_grp_000000000000000000000000db1") comment=("secgroups:" . $slot . ":sec_grp_000000000000000000000000db1:40")
/ip firewall filter add chain=("secgroups-output-" . $slot) action=drop comment=("secgroups:" . $slot . ":default")
/ipv6 firewall address-list add list=("sg-" . $slot6 . "-prfx_lst_000000000000000000000000web") address=2001:db8:100::/48 comment=("secgroups:" . $slot6 . ":list")
/ipv6 firewall address-list add list=("sg-" . $slot6 . "-sec_grp_000000000000000000000000web") address=fd00:1::5/128 comment=("secgroups:" . $slot6 . ":list")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept in-interface=lo comment=("secgroups:" . $slot6 . ":loopback")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=1:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=2:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=3:0-1 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=4:0-2 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=130:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=131:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=132:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=133:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=134:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=135:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=136:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=141:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=142:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=143:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=148:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=149:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=151:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=152:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 icmp-options=153:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept connection-state=established,related comment=("secgroups:" . $slot6 . ":established")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=drop connection-state=invalid comment=("secgroups:" . $slot6 . ":invalid")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=tcp src-address-list=("sg-" . $slot6 . "-sec_grp_000000000000000000000000web") dst-port=5432 comment=("secgroups:" . $slot6 . ":sec_grp_000000000000000000000000db1:10")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=icmpv6 src-address-list=("sg-" . $slot6 . "-sec_grp_000000000000000000000000web") comment=("secgroups:" . $slot6 . ":sec_grp_000000000000000000000000db1:20")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=udp src-address-list=("sg-" . $slot6 . "-sec_grp_00000000000000000000000none") dst-port=53 comment=("secgroups:" . $slot6 . ":sec_grp_000000000000000000000000db1:30")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=accept protocol=tcp src-address-list=("sg-" . $slot6 . "-prfx_lst_000000000000000000000000web") dst-port=22 comment=("secgroups:" . $slot6 . ":sec_grp_000000000000000000000000db1:50")
/ipv6 firewall filter add chain=("secgroups-input-" . $slot6) action=drop comment=("secgroups:" . $slot6 . ":default")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept out-interface=lo comment=("secgroups:" . $slot6 . ":loopback")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=1:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=2:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=3:0-1 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=4:0-2 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=130:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=131:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=132:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=133:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=134:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=135:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=136:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=141:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=142:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=143:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=148:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=149:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=151:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=152:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=icmpv6 icmp-options=153:0-255 comment=("secgroups:" . $slot6 . ":icmpv6")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept connection-state=established,related comment=("secgroups:" . $slot6 . ":established")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=drop connection-state=invalid comment=("secgroups:" . $slot6 . ":invalid")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept protocol=tcp dst-address-list=secgroups-control-plane comment=("secgroups:" . $slot6 . ":control-plane")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=accept dst-address-list=("sg-" . $slot6 . "-sec_grp_000000000000000000000000db1") comment=("secgroups:" . $slot6 . ":sec_grp_000000000000000000000000db1:40")
/ipv6 firewall filter add chain=("secgroups-output-" . $slot6) action=drop comment=("secgroups:" . $slot6 . ":default")
/ip firewall filter add chain=input action=jump jump-target=("secgroups-input-" . $slot) comment=("secgroups:jump:" . $slot) place-before=[:pick [/ip firewall filter find where dynamic=no] 0]
/ip firewall filter add chain=output action=jump jump-target=("secgroups-output-" . $slot) comment=("secgroups:jump:" . $slot) place-before=[:pick [/ip firewall filter find where dynamic=no] 0]
/ipv6 firewall filter add chain=input action=jump jump-target=("secgroups-input-" . $slot6) comment=("secgroups:jump:" . $slot6) place-before=[:pick [/ipv6 firewall filter find where dynamic=no] 0]
/ipv6 firewall filter add chain=output action=jump jump-target=("secgroups-output-" . $slot6) comment=("secgroups:jump:" . $slot6) place-before=[:pick [/ipv6 firewall filter find where dynamic=no] 0]
# The new slot decides from here; remove the old one.
/ip firewall filter remove [find where comment=("secgroups:jump:" . $old)]
/ip firewall filter remove [find where comment~("^secgroups:" . $old . ":")]
/ip firewall address-list remove [find where comment=("secgroups:" . $old . ":list")]
/ipv6 firewall filter remove [find where comment=("secgroups:jump:" . $old6)]
/ipv6 firewall filter remove [find where comment~("^secgroups:" . $old6 . ":")]
/ipv6 firewall address-list remove [find where comment=("secgroups:" . $old6 . ":list")]
}
