"""Recording a run's decisions and why, when the run is asked to (`decisions=true`): what each
step writes down (`record_decision`), the log it writes to (`decision_log.DecisionLog`), and the
columns a policy may hand over instead of an object per option (`route_columns`,
`promise_columns`). A run that does not record pays nothing: every caller checks
`state.records.decisions` first."""
