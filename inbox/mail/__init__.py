"""Pure mail code: raw bytes in, values out (parsing, screening, building outgoing mail).

Nothing here touches the database, the clock or the network.
"""
