"""The demo firm (`python -m demo`) and the large firm (`python -m demo.large`): data, not domain.

One module per capability seeds its part through the core's public functions; nothing but this
package's entry points and the tests imports it.
"""
