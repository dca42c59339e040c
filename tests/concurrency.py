"""Two requests at once, for the race tests (PostgreSQL): each piece of work in its own thread
with its own connection, released together by a barrier."""

import threading

from django.db import connection


def in_thread(work, barrier: threading.Barrier, errors: list) -> threading.Thread:
    def run():
        try:
            barrier.wait()
            work()
        except Exception as error:  # the test reports it
            errors.append(error)
        finally:
            connection.close()

    return threading.Thread(target=run)


def race(*works) -> list[Exception]:
    """Run the works at once; the errors they raised."""
    barrier, errors = threading.Barrier(len(works)), []
    threads = [in_thread(work, barrier, errors) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
