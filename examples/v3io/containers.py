"""README "Making requests": list the containers, print the status code and each one."""

from _client import make_client

v3io_client = make_client()

# list the containers we can access
response = v3io_client.get_containers()

# print the status code. outputs:
#
#  Status code: 200
#
print(f'Status code: {response.status_code}')

# iterate over the containers and print them
#
#   #0: bigdata
#   #1: users
#
for container_idx, container in enumerate(response.output.containers):
    print(f'#{container_idx}: {container.name}')

# We can also get help information about the parameters this API call receives:
help(v3io_client.get_containers)
