/**
 * The engine's floor: the same resources, inputs and dependencies as
 * secgroups.ts, through a dynamic provider that does nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { GROUPS, LISTS, prefixesOf, rulesOf } from "./shape";

const noop: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return { inputs: news };
  },
  async diff(_id, olds, news) {
    const strip = (p: Record<string, unknown>) => JSON.stringify({ ...p, __provider: undefined });
    return { changes: strip(olds) !== strip(news) };
  },
  async create(inputs) {
    return { id: `noop-${Math.random().toString(36).slice(2)}`, outs: inputs };
  },
};

class Noop extends pulumi.dynamic.Resource {
  constructor(name: string, props: Record<string, unknown>) {
    super(noop, name, props, {}, "bench", "Noop");
  }
}

const lists = Array.from({ length: LISTS }, (_, i) => new Noop(`list-${i}`, { name: `list-${i}`, prefixes: prefixesOf(i) }));
for (let i = 0; i < GROUPS; i++) {
  new Noop(`group-${i}`, {
    name: `group-${i}`,
    rules: rulesOf(
      i,
      lists.map((l) => l.id),
    ),
    sites: [],
  });
}
