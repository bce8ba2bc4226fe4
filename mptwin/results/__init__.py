"""What a run and a sweep leave behind, made readable: measure/ (one run's tables, KPIs and
figures), report/ (a sweep's paired comparison and page), explain/ (why the twin decided what it
did, order by order), stats and scaling (intervals, replications, fits across scale). Imports
no other part of mptwin."""
