@_exported import FoveaModels
@_exported import FoveaData
