"""Demo data: a county modelled on 上犹县 (Shangyou, Ganzhou, Jiangxi), built deterministically.

``build_demo_county()`` returns plain records that refer to each other by ``code``/``ref``;
``DEMO_LOGINS`` lists the demo accounts so a developer can sign in.
"""

from .county import DEMO_LOGINS, DEMO_PASSWORD, build_demo_county

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "build_demo_county"]
