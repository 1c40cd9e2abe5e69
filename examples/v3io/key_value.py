"""README "Accessing key-values (NoSQL)": put items, update one, get it, run a query."""

from _client import make_client

v3io_client = make_client()

items = {
    'bob': {'age': 42, 'feature': 'mustache'},
    'linda': {'age': 41, 'feature': 'singing'},
    'louise': {'age': 9, 'feature': 'bunny ears'},
}

# add the records to the table
for item_key, item_attributes in items.items():
    v3io_client.put_item(container='users', path='/bobs-burgers/' + item_key, attributes=item_attributes)  # noqa: E501

# adds two fields (height, quip) to the louise record
v3io_client.update_item(container='users',
                        path='/bobs-burgers/louise',
                        attributes={
                            'height': 130,
                            'quip': 'i can smell fear on you'
                        })

# get a record by key, specifying specific arguments
response = v3io_client.get_item(container='users',
                                path='/bobs-burgers/louise',
                                attribute_names=['__size', 'age', 'quip', 'height'])


# print the item from the response. outputs:
#
#   {'__size': 0.0, 'quip': 'i can smell fear on you', 'height': 130.0}
#
print(response.output.item)

# create a query, and use an items cursor to iterate the results
items_cursor = v3io_client.new_items_cursor(container='users',
                                            path='/bobs-burgers/',
                                            attribute_names=['age', 'feature'],
                                            filter_expression='age > 15')

# print the output
for item in items_cursor.all():
    print(item)
