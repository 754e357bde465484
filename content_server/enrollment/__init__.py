"""Screen enrollment: a screen with no credential shows a pairing code, an administrator of a
node enters it, and the screen receives a credential of its own (``service``); an administrator
can revoke one screen. Tables in ``schema``, queries in ``store``, HTTP in ``routes``."""
