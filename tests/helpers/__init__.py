"""Helpers shared by the tests: composing configs and running scenarios (`runs`), the stepped
smoke run with stock checks (`stepped`), and the golden back-test cases (`golden`)."""
