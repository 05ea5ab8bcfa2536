// Roles a client connection holds: from its token's `role` claim, a connect handler's reply, and REST grants.
//   webpubsub.joinLeaveGroup / webpubsub.sendToGroup           any group
//   webpubsub.joinLeaveGroup.<g> / webpubsub.sendToGroup.<g>   one group
//   webpubsub.joinLeaveGroups.<pattern> / webpubsub.sendToGroups.<pattern>   groups matching a * / ? pattern

export type PermissionKind = "joinLeaveGroup" | "sendToGroup";

export function hasRole(roles: ReadonlySet<string>, kind: PermissionKind, group: string): boolean {
  if (roles.has(`webpubsub.${kind}`) || roles.has(`webpubsub.${kind}.${group}`)) return true;
  const prefix = `webpubsub.${kind}s.`;
  for (const role of roles) {
    if (role.startsWith(prefix) && globMatch(role.slice(prefix.length), group)) return true;
  }
  return false;
}

const patterns = new Map<string, RegExp>();

function globMatch(pattern: string, text: string): boolean {
  let re = patterns.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    if (patterns.size > 1000) patterns.clear();
    patterns.set(pattern, re);
  }
  return re.test(text);
}

/** The role a REST grant adds: all groups, or one group when `targetName` is given. */
export function grantRole(kind: PermissionKind, target: string | undefined): string {
  return target === undefined ? `webpubsub.${kind}` : `webpubsub.${kind}.${target}`;
}
