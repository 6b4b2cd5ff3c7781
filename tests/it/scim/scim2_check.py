"""Runs the independent SCIM client scim2-client and the compliance checker scim2-tester
against a latchkey tenant. Arguments: base URL, SCIM token, CA certificate file, mode
("client" or "tester"). Prints one JSON document on stdout."""

import json
import sys

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient

base, token, ca, mode = sys.argv[1:5]
http = httpx2.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, verify=ca)
client = SyncSCIMClient(http)
client.discover()

if mode == "tester":
    from scim2_tester import check_server

    results = check_server(client)
    print(json.dumps([
        {"title": r.title, "status": r.status.name, "reason": r.reason,
         "resource_type": r.resource_type}
        for r in results
    ]))
else:
    User = client.get_resource_model("User")
    Group = client.get_resource_model("Group")
    created = client.create(User(user_name="bjensen@example.com", display_name="Babs Jensen",
                                 emails=[User.Emails(value="bjensen@example.com", type="work", primary=True)]))
    found = client.query(User, query_parameters={"filter": 'userName eq "BJENSEN@example.com"'})
    fetched = client.query(User, created.id)
    group = client.create(Group(display_name="orders", members=[Group.Members(value=created.id)]))
    client.delete(User, created.id)
    print(json.dumps({
        "created_id": created.id,
        "created_user_name": created.user_name,
        "found": found.total_results,
        "fetched_display_name": fetched.display_name,
        "group_members": [m.value for m in group.members or []],
        "location": str(created.meta.location),
    }))
