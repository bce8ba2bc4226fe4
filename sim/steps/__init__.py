"""Steps that are not processes of their own: what any process may do along the way. Cancel an
order before it ships (`cancel_order`), and raise an exception, which the strategy triages and a
handler resolves (`raise_exception`). The processes that take them are in `sim/processes/`."""
