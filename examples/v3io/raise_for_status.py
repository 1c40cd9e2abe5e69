"""README "Handling errors": never raise, or accept a list of status codes."""

from _client import make_client

import v3io.dataplane

v3io_client = make_client()

# list the containers we can access and never raise an exception
response = v3io_client.get_containers(raise_for_status=v3io.dataplane.RaiseForStatus.never)

# do anything we want with the status code
# some_logic(response.status_code)
print(f'never: {response.status_code}')

# list the containers and raise if the status code is not 200 or 204
response = v3io_client.get_containers(raise_for_status=[200, 204])
print(f'[200, 204]: {response.status_code}')

# (not in the README) a missing object: no exception with "never", and the default raises
# an error that is both the SDK's HttpResponseError and a FileNotFoundError
response = v3io_client.get_object(container='users', path='/no-such-object',
                                  raise_for_status=v3io.dataplane.RaiseForStatus.never)
print(f'missing object with never: {response.status_code}')
try:
    v3io_client.get_object(container='users', path='/no-such-object')
except FileNotFoundError as exc:
    assert isinstance(exc, v3io.dataplane.transport.HttpResponseError)
    print(f'missing object raised {type(exc).__name__} (status {exc.status_code})')
