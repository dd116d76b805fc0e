"""The city level (市): every county's night in one place, read from the counties' history
stores through the :class:`toolkit.store.protocol.Store` interface only.

* :mod:`.stores`: each county's store from the city configuration (``toolkit/config/city.py``);
* :mod:`.night`: which counties have merged tonight, their townships' completeness, the
  figures per county (the county figure specs) and 全市 (:class:`CityNight`);
* :mod:`.duplicates`: the same ID number registered in two counties;
* :mod:`.trace`: a city figure down to the township file and cell;
* :mod:`.sheets`, :mod:`.master`, :mod:`.report`: 全市汇总表 and the city 日报, rendered from
  one :class:`CityNight`.

Nothing below this package imports it.
"""
