"""Run the server."""

from __future__ import annotations

import os

import click
import uvicorn

from process_center.cli.context import AppContext, pass_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option(
    "--demo", is_flag=True, help="Seed demo data once and print how to call the API."
)
@pass_app
def serve(app: AppContext, host: str, port: int, workers: int, demo: bool) -> None:
    """Serve the API (and the Process Center page) on uvicorn."""
    settings = app.settings
    # Workers are separate processes that read their settings from the
    # environment, so what the options decided is passed on that way.
    os.environ["PROCESS_CENTER_DATABASE_URL"] = settings.database_url
    if "PROCESS_CENTER_PUBLIC_URL" not in os.environ:
        os.environ["PROCESS_CENTER_PUBLIC_URL"] = f"http://{host}:{port}"
    if demo:
        from process_center.demo import print_demo_instructions, seed_demo

        os.environ["PROCESS_CENTER_DEMO"] = "1"
        credentials = seed_demo(app.database)
        print_demo_instructions(credentials, os.environ["PROCESS_CENTER_PUBLIC_URL"])
    app.database.dispose()
    uvicorn.run(
        "process_center.api.app:create_server_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        # Our own middleware logs each request once, with more to say.
        access_log=False,
        timeout_graceful_shutdown=20,
    )
