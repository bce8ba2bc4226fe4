"""Policies that forward decisions to an external decision service over HTTP (software in the
loop): the protocol, the client, and the policies that apply the service's answers."""
