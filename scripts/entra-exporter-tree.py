#!/usr/bin/env python3
"""Writes a single-file snapshot as the tree microsoft/EntraExporter's Export-Entra writes.

Layout (src/Get-EEDefaultSchema.ps1 and src/Export-Entra.ps1 of microsoft/EntraExporter): each
result item goes to `<Path>/<id>/<id>.json`, children to `<Path>/<parent id>/<Child>/<id>/<id>.json`,
and a schema Path ending in `.json` is that one file:

    Organization/Organization.json               the organization object (tenant id, name)
    Users/<id>/<id>.json                         beta users, full objects
    Groups/<id>/<id>.json                        beta groups (no `members` property)
    Groups/<id>/Members/<id>/<id>.json           select=id,userPrincipalName,displayName
    Groups/<id>/Owners/<id>/<id>.json            (not read by tenantlint)
    Domains/<name>/<name>.json
    SubscribedSkus/<id>/<id>.json
    DirectoryRoles/<id>/<id>.json, DirectoryRoles/<id>/Members/<id>/<id>.json
    RoleManagement/Directory/RoleAssignments/<id>/<id>.json   ($expand=principal)
    Applications/<id>/<id>.json, ServicePrincipals/<id>/<id>.json
    Policies/AuthorizationPolicy/authorizationPolicy/authorizationPolicy.json
    Policies/IdentitySecurityDefaultsEnforcementPolicy/…, Directory/…   (not read)

Export-Entra does not export contacts, userRegistrationDetails or the SSPR policies: those
keys of the input are left out.

Each file is `ConvertTo-Json -Depth 100 | Out-File`, as written by
  --style ps5  Windows PowerShell 5.1: UTF-16 LE with BOM, CRLF, its own indentation
               (4 spaces, `"key":  value`, array items aligned under their bracket, empty
               arrays over two lines) and `<>&'` escaped as \\u003c …
  --style ps7  PowerShell 7: UTF-8 without BOM, CRLF, 2-space indentation (Newtonsoft).

Usage: scripts/entra-exporter-tree.py SNAPSHOT.json OUT_DIR [--style ps5|ps7]
OUT_DIR must not exist yet.
"""
import json
import pathlib
import sys

MEMBER_TYPES = {}  # id -> @odata.type, filled from the snapshot's collections


def escape_ps5(s):
    # JavaScriptSerializer: quotes, backslashes and control characters, and <>&' as \uXXXX.
    out = []
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif o < 0x20 or ch in "<>&'":
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def scalar(v, esc):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return esc(v)
    return json.dumps(v)


def ps5(v, col):
    """Windows PowerShell 5.1's ConvertTo-Json layout; `col` is the column of the value."""
    if isinstance(v, dict) or isinstance(v, list):
        open_, close = ("{", "}") if isinstance(v, dict) else ("[", "]")
        inner = " " * (col + 4)
        if not v:
            return open_ + "\r\n\r\n" + " " * col + close
        parts = []
        if isinstance(v, dict):
            for k, x in v.items():
                lead = escape_ps5(k) + ":  "
                parts.append(inner + lead + ps5(x, col + 4 + len(lead)))
        else:
            for x in v:
                parts.append(inner + ps5(x, col + 4))
        return open_ + "\r\n" + ",\r\n".join(parts) + "\r\n" + " " * col + close
    return scalar(v, escape_ps5)


def ps7(v):
    text = json.dumps(v, indent=2, ensure_ascii=False)
    return text.replace("\n", "\r\n")


def write(root, rel, obj, style):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if style == "ps5":
        p.write_bytes(b"\xff\xfe" + (ps5(obj, 0) + "\r\n").encode("utf-16-le"))
    else:
        p.write_bytes((ps7(obj) + "\r\n").encode("utf-8"))


def item(root, folder, obj, style):
    write(root, f"{folder}/{obj['id']}/{obj['id']}.json", obj, style)


def member(m):
    if isinstance(m, str):
        m = {"id": m}
    out = {"@odata.type": m.get("@odata.type") or MEMBER_TYPES.get(m["id"], "#microsoft.graph.user")}
    out["id"] = m["id"]
    out["userPrincipalName"] = m.get("userPrincipalName")
    out["displayName"] = m.get("displayName")
    return out


def with_members(root, folder, obj, style):
    """A group or role without its inline members, and each member as `Members/<id>/<id>.json`."""
    obj = dict(obj)
    members = obj.pop("members", None) or []
    item(root, folder, obj, style)
    for m in members:
        item(root, f"{folder}/{obj['id']}/Members", member(m), style)
    return members


def main():
    args = sys.argv[1:]
    style = "ps5"
    if "--style" in args:
        i = args.index("--style")
        style = args[i + 1]
        del args[i : i + 2]
    if len(args) != 2 or style not in ("ps5", "ps7"):
        sys.exit(__doc__)
    snap = json.loads(pathlib.Path(args[0]).read_text(encoding="utf-8-sig"))
    root = pathlib.Path(args[1])
    root.mkdir(parents=True)
    for coll, t in [("users", "user"), ("groups", "group"), ("contacts", "orgContact")]:
        for o in snap.get(coll) or []:
            MEMBER_TYPES[o["id"]] = f"#microsoft.graph.{t}"

    tenant = snap.get("tenant") or {}
    org = {"id": tenant.get("id"), "displayName": tenant.get("displayName"),
           "countryLetterCode": "US", "tenantType": "AAD", "verifiedDomains": []}
    write(root, "Organization/Organization.json", org, style)
    # A folder tenantlint does not read: Export-Entra writes dozens.
    write(root, "Directory/OnPremisesSynchronization.json",
          {"id": tenant.get("id"), "features": {"passwordSyncEnabled": False}}, style)

    for u in snap.get("users") or []:
        u = dict(u)
        u.setdefault("extensions", [])  # $expand=extensions
        item(root, "Users", u, style)
    for g in snap.get("groups") or []:
        members = with_members(root, "Groups", g, style)
        if members:
            item(root, f"Groups/{g['id']}/Owners", member(members[0]), style)
    for d in snap.get("domains") or []:
        item(root, "Domains", d, style)
    for s in snap.get("subscribedSkus") or []:
        item(root, "SubscribedSkus", s, style)
    for r in snap.get("directoryRoles") or []:
        with_members(root, "DirectoryRoles", r, style)
    for a in snap.get("roleAssignments") or []:
        a = dict(a)
        a.setdefault("principal", member(a["principalId"]))  # $expand=principal
        item(root, "RoleManagement/Directory/RoleAssignments", a, style)
    for a in snap.get("applications") or []:
        item(root, "Applications", a, style)
    for a in snap.get("servicePrincipals") or []:
        item(root, "ServicePrincipals", a, style)
    pol = (snap.get("policies") or {}).get("authorizationPolicy")
    if pol is not None:
        item(root, "Policies/AuthorizationPolicy", pol, style)
    sec = {"id": "00000000-0000-0000-0000-000000000005", "isEnabled": True}
    item(root, "Policies/IdentitySecurityDefaultsEnforcementPolicy", sec, style)


if __name__ == "__main__":
    main()
