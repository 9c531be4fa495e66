"""The portal: the Azure portal's pages for key vaults, networks, private endpoints and private DNS zones,
served as https://portal.azure.com through the edge and on the edge's own loopback address.

Owns: the pages (`pages/`, Jinja2 templates, a little JavaScript, no build step) and the portal session. It is a
client of ARM and Entra over their in-process routes (`arm.py`, `signin.py`): the user signs in with the
authorization code flow and every page is the ARM calls it makes with the user's token, so RBAC holds. It never
reads the store; the "resolve from" tool asks the runtime's resolve callable (`lookup.py`), and "Diagnose and solve
problems" the runtime's diagnose callable (`pages/diagnose.py`). May import:
identity, network, core. Start with `app.py`, then `web.py` (what every page shares).
"""

from vaultlink.portal.app import Portal, loopback_site
from vaultlink.portal.lookup import resolver

__all__ = ["Portal", "loopback_site", "resolver"]
