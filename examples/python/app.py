#!/usr/bin/env python3
"""`cdk synth --app "python3 app.py"`: the reference job, checked by the IMDS aspect."""
from reference_job import build, new_app

app = new_app()
build(app)
app.synth()
