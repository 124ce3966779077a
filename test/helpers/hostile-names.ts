/**
 * Names every JavaScript object answers to: Object.prototype's own members, and a few that other
 * prototypes or promises give meaning to. Untrusted text (a model name, a header, a column) must be
 * looked up so that none of these counts as present.
 */
export const HOSTILE_NAMES: readonly string[] = [
  ...new Set([
    ...Object.getOwnPropertyNames(Object.prototype), // constructor, __proto__, toString, valueOf, hasOwnProperty, ...
    'prototype',
    'then',
    'length',
    'call',
    'apply',
    'bind',
  ]),
].sort();
