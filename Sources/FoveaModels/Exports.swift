@_exported import FoveaNN
