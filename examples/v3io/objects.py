"""README "Accessing objects": put, get and delete an object."""

from _client import make_client

v3io_client = make_client()

# put contents to some object
v3io_client.put_object(container='users',
                       path='/my-object',
                       body='hello, there')

# get the object
response = v3io_client.get_object(container='users', path='/my-object')

# print the contents. outputs:
#
#   hello, there
#
print(response.body.decode('utf-8'))

# delete the object
v3io_client.delete_object(container='users', path='/my-object')
