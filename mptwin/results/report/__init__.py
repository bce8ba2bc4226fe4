"""A sweep's report (`mptwin-report`): load the complete runs (`load`), tidy and paired tables
(`tables`), the cost of each exception type (`costs`), KPI formatting (`kpis`), figures
(`figures`), the HTML page (`html`), and the command that builds it all (`build`)."""
